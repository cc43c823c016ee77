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
            guard let dead = try await QueueProbe.counts(deadQueue, on: connection) else {
                throw CLIFailure("queue '\(deadQueue)' does not exist; nothing to replay")
            }
            return try await Self.replay(
                from: deadQueue, to: queue, present: Int(dead.messageCount), limit: limit, messageID: messageID,
                on: connection
            )
        }
        if let messageID, outcome.replayed == 0 {
            throw CLIFailure("no dead letter with message id '\(messageID)' in '\(deadQueue)'")
        }
        Console.out("replayed \(outcome.replayed) message\(outcome.replayed == 1 ? "" : "s") from '\(deadQueue)' to '\(queue)'")
        if let failure = outcome.failure {
            throw CLIFailure("stopped after \(outcome.replayed) replayed: \(ErrorReport.line(for: failure)); the rest stay in '\(deadQueue)'")
        }
    }

    /// How a replay went.
    struct Outcome: Sendable {
        var replayed = 0
        var failure: (any Error)?
    }

    /// Replays up to `limit` of the first `present` messages of `deadQueue` (those matching
    /// `messageID`, if given). Messages it skips or fails to republish go back to `deadQueue`.
    private static func replay(
        from deadQueue: String,
        to queue: String,
        present: Int,
        limit: Int?,
        messageID: String?,
        on connection: AMQPConnection
    ) async throws -> Outcome {
        let reading = try await connection.openChannel()
        let publishing = try await connection.openChannel()
        try await publishing.confirmSelect(maxOutstanding: batchSize)
        var outcome = Outcome()
        var fetched = 0
        let wanted = limit ?? Int.max
        rounds: while fetched < present, outcome.replayed < wanted {
            var batch: [AMQPDelivery] = []
            while batch.count < batchSize, fetched < present, outcome.replayed + batch.count < wanted {
                guard let delivery = try await reading.get(queue: deadQueue) else { break rounds }
                fetched += 1
                // A message with another id stays unacked; closing the channel returns it.
                if let messageID, delivery.properties.messageID != messageID { continue }
                batch.append(delivery)
            }
            if batch.isEmpty { continue }
            let results = await republish(batch, to: queue, on: publishing)
            for (delivery, error) in zip(batch, results) {
                if let error {
                    outcome.failure = outcome.failure ?? error
                    continue
                }
                try delivery.ack()
                outcome.replayed += 1
            }
            if outcome.failure != nil { break }
        }
        try? await publishing.close()
        try? await reading.close()
        return outcome
    }

    /// Publishes the replay copies concurrently; returns each one's error, in order.
    private static func republish(_ batch: [AMQPDelivery], to queue: String, on channel: AMQPChannel) async -> [(any Error)?] {
        await withTaskGroup(of: (Int, (any Error)?).self) { group in
            for (index, delivery) in batch.enumerated() {
                let message = ReplayMessage.make(from: delivery, to: queue)
                group.addTask {
                    do {
                        try await channel.publish(message)
                        return (index, nil)
                    } catch {
                        return (index, error)
                    }
                }
            }
            var results = [(any Error)?](repeating: nil, count: batch.count)
            for await (index, error) in group { results[index] = error }
            return results
        }
    }
}
