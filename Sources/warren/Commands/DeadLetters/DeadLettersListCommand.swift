import ArgumentParser
import Warren

/// `warren dead-letters list`: shows dead letters without removing them.
struct DeadLettersListCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show the dead letters of a queue without removing them.",
        discussion: """
            Fetches up to --limit messages from QUEUE.dead without acknowledging them, then closes the \
            channel so that the broker puts them back, in order.
            """
    )

    /// The widest last-error cell in the table.
    static let errorColumnWidth = 60

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The task queue whose dead letters to show.")
    var queue: String

    @Option(help: "Show at most this many.")
    var limit: Int = 100

    @Flag(help: "Print one JSON array instead of a table.")
    var json = false

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        try TaskQueue(queue).validate()
    }

    mutating func execute() async throws {
        let amqp = try connection.configuration(command: "dead-letters list")
        let deadQueue = TaskQueue(queue).deadLetterQueue
        let limit = self.limit
        let (records, total) = try await AMQPConnection.withConnection(amqp) { connection in
            guard let before = try await QueueProbe.counts(deadQueue, on: connection) else {
                throw CLIFailure("queue '\(deadQueue)' does not exist; has a worker for '\(deadQueue.dropLast(5))' run yet?")
            }
            let channel = try await connection.openChannel()
            var records: [DeadLetterRecord] = []
            // Only as many as were there at the start: fetched messages are unacked, not gone.
            while records.count < min(limit, Int(before.messageCount)), let delivery = try await channel.get(queue: deadQueue) {
                records.append(DeadLetterRecord(delivery))
            }
            // Closing the channel returns every unacked message to the queue.
            try await channel.close()
            if let after = try await QueueProbe.counts(deadQueue, on: connection), after.messageCount < before.messageCount {
                Console.error(
                    "warren: warning: '\(deadQueue)' held \(before.messageCount) messages before listing and \(after.messageCount) after; another consumer is taking them"
                )
            }
            return (records, Int(before.messageCount))
        }
        if json {
            try JSONOutput.print(records)
            return
        }
        guard !records.isEmpty else {
            Console.out("no dead letters in '\(deadQueue)'")
            return
        }
        var table = Table(
            headers: ["MESSAGE ID", "TASK", "REASON", "ATTEMPTS", "FIRST FAILURE", "LAST FAILURE", "LAST ERROR"],
            numeric: [3]
        )
        for record in records {
            table.append([
                record.messageID ?? "-",
                record.task ?? "-",
                record.reason ?? "-",
                record.attempts.map { String($0) } ?? "-",
                record.firstFailureAt.map { DeadLetterRecord.iso8601(milliseconds: $0, fractional: false) } ?? "-",
                record.lastFailureAt.map { DeadLetterRecord.iso8601(milliseconds: $0, fractional: false) } ?? "-",
                Self.truncated(record.lastError ?? "-"),
            ])
        }
        for line in table.render() { Console.out(line) }
        Console.out("\(records.count) of \(total) dead letter\(total == 1 ? "" : "s") in '\(deadQueue)' shown")
    }

    /// `text` on one line, cut to ``errorColumnWidth`` characters.
    static func truncated(_ text: String) -> String {
        let line = ErrorReport.singleLine(text)
        guard line.count > errorColumnWidth else { return line }
        return String(line.prefix(errorColumnWidth - 1)) + "…"
    }
}
