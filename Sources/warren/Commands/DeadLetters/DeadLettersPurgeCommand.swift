import ArgumentParser
import Warren

/// `warren dead-letters purge`: deletes every dead letter of a queue.
struct DeadLettersPurgeCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete every dead letter of a queue (QUEUE.dead) and print how many."
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The task queue whose dead letters to delete.")
    var queue: String

    func validate() throws {
        try TaskQueue(queue).validate()
    }

    mutating func execute() async throws {
        let amqp = try connection.configuration(command: "dead-letters purge")
        let deadQueue = TaskQueue(queue).deadLetterQueue
        let purged = try await AMQPConnection.withConnection(amqp) { connection in
            try await QueueProbe.requireQueue(deadQueue, on: connection, hint: "nothing to purge")
            return try await DeadLetterQueue(for: TaskQueue(queue), on: connection).purge()
        }
        Console.out("purged \(purged) dead letter\(purged == 1 ? "" : "s") from '\(deadQueue)'")
    }
}
