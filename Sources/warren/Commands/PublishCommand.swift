import ArgumentParser
import Foundation
import Warren

/// `warren publish`: enqueues tasks with publisher confirms.
struct PublishCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Enqueue a task (or --count copies of it) on a queue.",
        discussion: """
            The body is the JSON given with --body, or else standard input; it is checked to be JSON \
            before anything is sent. Each task is confirmed by the broker before it counts as \
            published, and gets its own message id (printed one per line for up to \
            \(PublishCommand.maxListedIDs) tasks, otherwise summarised).
            """
    )

    /// Up to this many tasks, their ids are printed.
    static let maxListedIDs = 20
    /// Publishes in flight at once for --count.
    static let window = 512

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The task queue.")
    var queue: String

    @Option(name: .customLong("task"), help: ArgumentHelp("The task's name (its AMQP type).", valueName: "name"))
    var taskName: String

    @Option(help: ArgumentHelp("The task's JSON body (default: read standard input).", valueName: "json"))
    var body: String?

    @Option(help: "How many copies to publish, each with its own message id.")
    var count: Int = 1

    @Option(help: ArgumentHelp("Run the task no earlier than this from now.", valueName: "seconds"))
    var delay: Seconds?

    @Option(name: .customLong("message-id"), help: "The message id (your idempotency key); default a new UUID.")
    var messageID: String?

    @Option(name: .customLong("correlation-id"), help: "A correlation id to carry along.")
    var correlationID: String?

    @Option(help: "The message priority (honoured by queues declared with a maximum priority).")
    var priority: UInt8?

    @Flag(help: "Declare the queue and its dead-letter queue first, as a worker would.")
    var declare = false

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard messageID == nil || count == 1 else {
            throw ValidationError("--message-id names one task; it cannot be combined with --count \(count)")
        }
        guard !taskName.isEmpty else { throw ValidationError("--task needs a name") }
        try TaskQueue(queue).validate()
    }

    mutating func execute() async throws {
        let body = try JSONBody.read(option: body)
        let amqp = try connection.configuration(command: "publish")
        let (queue, count) = (self.queue, self.count)
        let options = EnqueueOptions(
            delay: delay?.duration,
            priority: priority,
            messageID: messageID,
            correlationID: correlationID
        )
        let taskName = self.taskName
        let declare = self.declare
        let started = ContinuousClock.now
        let ids = try await AMQPConnection.withConnection(amqp) { connection in
            let producer = TaskProducer(connection: connection, configuration: .init(appID: "warren-cli"))
            if declare {
                try await producer.declare(TaskQueue(queue))
            } else {
                try await QueueProbe.requireQueue(queue, on: connection, hint: "start a worker for it first, or pass --declare")
            }
            return try await Self.publish(count: count, queue: queue) {
                try await producer.enqueue(body: body, taskName: taskName, to: queue, options: options).messageID
            }
        }
        let elapsed = (ContinuousClock.now - started).secondsValue
        let rate = Double(count) / max(elapsed, 0.000_001)
        let summary = "published \(count) task\(count == 1 ? "" : "s") '\(taskName)' to '\(queue)' in "
            + String(format: "%.2f s (%.0f tasks/s)", elapsed, rate)
        if count <= Self.maxListedIDs {
            for id in ids { Console.out(id) }
            if count > 1 { Console.error(summary) }
        } else {
            Console.out(summary + "; first id \(ids.first ?? "-"), last id \(ids.last ?? "-")")
        }
    }

    /// Runs `enqueue` `count` times with up to ``window`` in flight; returns the ids in order.
    private static func publish(
        count: Int,
        queue: String,
        _ enqueue: @escaping @Sendable () async throws -> String
    ) async throws -> [String] {
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var ids = [String](repeating: "", count: count)
            var next = 0
            while next < min(count, window) {
                let index = next
                group.addTask { (index, try await enqueue()) }
                next += 1
            }
            while let (index, id) = try await group.next() {
                ids[index] = id
                if next < count {
                    let index = next
                    group.addTask { (index, try await enqueue()) }
                    next += 1
                }
            }
            return ids
        }
    }
}

extension Duration {
    /// The duration in seconds.
    var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
