import ArgumentParser
import Warren

/// `warren dead-letters list`: shows dead letters without removing them.
struct DeadLettersListCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show the dead letters of a queue without removing them.",
        discussion: """
            Fetches up to --limit messages from QUEUE.dead without acknowledging them, then gives each \
            back (basic.nack with requeue) so they stay, in order. Warren's quorum dead-letter queues \
            have a delivery limit of 1,000,000, so listing never drops one (docs/operating.md).
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
            let dead = DeadLetterQueue(for: TaskQueue(queue), on: connection)
            guard let before = try await dead.count() else {
                throw CLIFailure("queue '\(deadQueue)' does not exist; has a worker for '\(deadQueue.dropLast(5))' run yet?")
            }
            let records = try await dead.list(limit: limit).map(DeadLetterRecord.init)
            if let after = try await dead.count(), after < before {
                Console.error(
                    "warren: warning: '\(deadQueue)' held \(before) messages before listing and \(after) after; another consumer is taking them"
                )
            }
            return (records, before)
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
