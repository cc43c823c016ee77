// The front door: one client per process, a Service that owns the connection, declares the queues,
// and makes workers with the same settings.
import Logging
import ServiceLifecycle
import Warren

// snippet.show
struct SendWelcomeEmail: WarrenTask {
    static let name = "send-welcome-email"
    var userID: Int
    var address: String
}

let logger = Logger(label: "app")
let emails = TaskQueue("emails")
let warren = WarrenClient(configuration: .init(amqp: try .fromEnvironment(), queues: [emails]), logger: logger)

var tasks = TaskRegistry()
tasks.register(SendWelcomeEmail.self) { task, context in
    context.logger.info("sending", metadata: ["to": "\(task.address)"])
}
let worker = warren.worker(for: emails, tasks: tasks) { $0.concurrency = 32 }

let group = ServiceGroup(services: [warren, worker], gracefulShutdownSignals: [.sigterm], logger: logger)
async let running: Void = group.run()

// Anywhere in the application:
try await warren.enqueue(SendWelcomeEmail(userID: 7, address: "a@example.com"), to: emails)
for letter in try await warren.deadLetters(of: emails).list(limit: 20) {
    logger.info("dead", metadata: ["id": "\(letter.messageID ?? "-")", "reason": "\(letter.reason ?? "-")"])
}
try await running
