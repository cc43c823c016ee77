// Handlers tested without RabbitMQ: the in-memory queue runs them as a worker would, in virtual time.
import Warren
import WarrenTesting

// snippet.show
struct SendWelcomeEmail: WarrenTask {
    static let name = "send-welcome-email"
    var userID: Int
}

struct MailServerBusy: Error {}

var tasks = TaskRegistry()
tasks.register(SendWelcomeEmail.self) { task, context in
    if context.attempt == 1 { throw MailServerBusy() }   // the first attempt fails
}
let emails = TaskQueue("emails")
let queue = InMemoryTaskQueue(tasks: tasks, retryPolicy: RetryPolicy(maxAttempts: 3, initialDelay: .seconds(30)))

// Code under test takes `any TaskEnqueuer`: a WarrenClient in production, this queue here.
let enqueuer: any TaskEnqueuer = queue
try await enqueuer.enqueue(SendWelcomeEmail(userID: 7), to: emails, options: EnqueueOptions())

let attempts = try await queue.runUntilEmpty()     // no real 30 s wait
assert(attempts.map(\.attempt) == [1, 2])
assert(queue.deadLetters(of: emails).isEmpty)
