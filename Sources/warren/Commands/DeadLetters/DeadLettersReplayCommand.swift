import ArgumentParser
import Warren

/// `warren dead-letters replay`: moves dead letters back to their task queue with fresh attempts.
struct DeadLettersReplayCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Move dead letters back to their queue, to be attempted again from attempt 1.",
        discussion: """
            Each message is republished to QUEUE (same body, message id and properties; the attempt \
            counter and failure headers removed; x-warren-replays incremented) and, once the broker \
            confirmed it, removed from QUEUE.dead. Only the messages present when the command starts \
            are considered, so tasks that die again meanwhile are not replayed in a loop.
            """
    )

    /// Messages fetched and republished per round.
    static let batchSize = 100

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The task queue whose dead letters to replay.")
    var queue: String

    @Option(help: "Replay at most this many.")
    var limit: Int?

    @Option(name: .customLong("message-id"), help: "Replay only the message(s) with this id.")
    var messageID: String?

    func validate() throws {
        guard limit.map({ $0 >= 1 }) ?? true else { throw ValidationError("--limit must be at least 1") }
        try TaskQueue(queue).validate()
    }

    mutating func execute() async throws {
        let amqp = try connection.configuration(command: "dead-letters replay")
        let (queue, limit, messageID) = (self.queue, self.limit, self.messageID)
        let deadQueue = TaskQueue(queue).deadLetterQueue
        let outcome = try await AMQPConnection.withConnection(amqp) { connection in
            try await QueueProbe.requireQueue(queue, on: connection, hint: "cannot replay into it")
            guard try await connection.inspectQueue(deadQueue) != nil else {
                throw CLIFailure("queue '\(deadQueue)' does not exist; nothing to replay")
            }
            return try await DeadLetterQueue(for: TaskQueue(queue), on: connection)
                .replay(messageID: messageID, limit: limit, batchSize: Self.batchSize)
        }
        if let messageID, outcome.replayed == 0 {
            throw CLIFailure("no dead letter with message id '\(messageID)' in '\(deadQueue)'")
        }
        Console.out("replayed \(outcome.replayed) message\(outcome.replayed == 1 ? "" : "s") from '\(deadQueue)' to '\(queue)'")
        if let failure = outcome.failure {
            throw CLIFailure("stopped after \(outcome.replayed) replayed: \(ErrorReport.line(for: failure)); the rest stay in '\(deadQueue)'")
        }
    }
}
