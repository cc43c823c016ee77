// A typed task, a producer that enqueues it and a worker that runs it.
import Logging
import ServiceLifecycle
import Warren

// snippet.show
struct SendWelcomeEmail: WarrenTask {
    static let name = "send-welcome-email"
    var userID: Int
    var address: String
}

// The producer: enqueue returns once the broker has the task on disk.
let connection = try await AMQPConnection.connect(try .fromEnvironment())
let producer = TaskProducer(connection: connection)
try await producer.declare(TaskQueue("emails"))
try await producer.enqueue(SendWelcomeEmail(userID: 7, address: "a@example.com"), to: "emails")

// The worker: a handler per task; throw to retry, PermanentFailure to dead-letter at once.
var tasks = TaskRegistry()
tasks.register(SendWelcomeEmail.self, retry: RetryPolicy(maxAttempts: 5)) { task, context in
    context.logger.info("sending", metadata: ["to": "\(task.address)", "attempt": "\(context.attempt)"])
}
let worker = Worker(configuration: .init(amqp: try .fromEnvironment(), queue: TaskQueue("emails")), tasks: tasks)
try await ServiceGroup(
    services: [worker], gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "worker")
).run()
// snippet.end
