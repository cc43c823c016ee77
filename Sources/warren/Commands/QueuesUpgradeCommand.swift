import ArgumentParser
import Warren

/// `warren queues upgrade`: recreates a task queue and its dead-letter queue with Warren's arguments,
/// keeping their messages.
struct QueuesUpgradeCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Recreate a task queue and QUEUE.dead with Warren's arguments, keeping every message.",
        discussion: """
            For queues that exist with other arguments than this Warren declares (a Q.dead made before \
            Warren declared an explicit quorum delivery limit, a queue a pika or Celery producer made): \
            the messages move to QUEUE.warren-upgrade (which keeps receiving what Warren routes there), \
            the queue is deleted once empty and unused, declared anew and the messages move back. Stop \
            the queue's workers first. Queues that already match are left alone. See docs/operating.md.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The task queue to upgrade.")
    var queue: String

    @Flag(help: "The queue is a quorum queue (as `warren worker --quorum` declares it).")
    var quorum = false

    @Option(name: .customLong("delivery-limit"), help: "Quorum delivery limit (default: \(TaskQueue.defaultDeliveryLimit)).")
    var deliveryLimit: Int?

    func validate() throws {
        try TaskQueue(queue, kind: quorum ? .quorum : .classic, deliveryLimit: deliveryLimit).validate()
    }

    mutating func execute() async throws {
        let amqp = try connection.configuration(command: "queues upgrade")
        let taskQueue = TaskQueue(queue, kind: quorum ? .quorum : .classic, deliveryLimit: deliveryLimit)
        let upgraded = try await AMQPConnection.withConnection(amqp) { connection in
            try await Topology().upgrade(taskQueue, on: connection)
        }
        guard !upgraded.isEmpty else {
            Console.out("'\(taskQueue.name)' and '\(taskQueue.deadLetterQueue)' already have Warren's arguments; nothing to do")
            return
        }
        for queue in upgraded {
            Console.out("recreated '\(queue.name)' with Warren's arguments, \(queue.messages) message\(queue.messages == 1 ? "" : "s") kept (was: \(queue.brokerMessage))")
        }
    }
}
