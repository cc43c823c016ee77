import WarrenAMQP

/// A task queue's dead letters (`Q.dead`): list them, replay them to their queue, purge them.
///
/// ```swift
/// let dead = DeadLetterQueue(for: TaskQueue("emails"), on: connection)
/// for letter in try await dead.list(limit: 20) { print(letter.messageID ?? "-", letter.reason ?? "-") }
/// let outcome = try await dead.replay(messageID: "6996aa5a-…")
/// ```
///
/// Listing fetches messages without acknowledging them and then gives each back with
/// `basic.nack(requeue: true)`, so they stay, in order. On a quorum queue each listing is one delivery
/// of every message listed (RabbitMQ 3.10 and 4.0 count a nack with requeue, 4.3 does not):
/// Warren declares quorum dead-letter queues with a delivery limit of one million
/// (``TaskQueue/deadLetterDeliveryLimit``) so that no number of listings drops one. A `Q.dead` made by
/// a Warren before that has the broker's default on RabbitMQ 4.0+ (20): `warren queues upgrade`
/// recreates it (docs/operating.md).
public struct DeadLetterQueue: Sendable {
    /// The task queue the dead letters belong to (replays go there).
    public let taskQueue: String
    /// The dead-letter queue's name, `taskQueue.dead`.
    public var name: String { taskQueue + ".dead" }
    private let connection: AMQPConnection

    /// The dead letters of `queue`, read through `connection`.
    public init(for queue: TaskQueue, on connection: AMQPConnection) {
        self.taskQueue = queue.name
        self.connection = connection
    }

    /// How many dead letters are ready; nil when the dead-letter queue does not exist (no worker or
    /// producer declared the task queue yet).
    public func count() async throws -> Int? {
        do {
            return try await connection.withChannel { channel in
                Int(try await channel.queueDeclare(name, passive: true).messageCount)
            }
        } catch let error as AMQPError where error.code == .channelClosed && error.replyCode == 404 {
            return nil
        }
    }

    /// The first `limit` dead letters, oldest first, left in the queue.
    /// - Throws: ``AMQPError`` `.channelClosed` with 404 when the dead-letter queue does not exist.
    public func list(limit: Int = 100) async throws -> [DeadLetter] {
        guard limit > 0 else { return [] }
        let present = try await requireCount()
        let channel = try await connection.openChannel()
        var fetched: [AMQPDelivery] = []
        do {
            // Only as many as were there at the start: fetched messages are unacked, not gone.
            while fetched.count < min(limit, present), let delivery = try await channel.get(queue: name) {
                fetched.append(delivery)
            }
        } catch {
            giveBack(fetched)
            try? await channel.close()
            throw error
        }
        giveBack(fetched)
        try? await channel.close()
        return fetched.map(DeadLetter.init)
    }

    /// What a replay did.
    public struct ReplayOutcome: Sendable {
        /// How many dead letters went back to the task queue (each confirmed by the broker, then
        /// removed from the dead-letter queue).
        public var replayed = 0
        /// The first error that stopped the replay; what was not replayed stays in the dead-letter
        /// queue.
        public var failure: (any Error)?
    }

    /// Moves dead letters back to the task queue, to be attempted again from attempt 1 (see
    /// ``DeadLetter/replayMessage(to:)``). Only the messages present when the call starts are
    /// considered, so tasks that die again meanwhile are not replayed in a loop. Each copy is
    /// confirmed by the broker before its dead letter is removed: a failure leaves it where it was.
    /// - Parameters:
    ///   - messageID: Only the dead letters with this message id; nil for all.
    ///   - limit: At most this many; nil for no limit.
    ///   - batchSize: Copies published before their confirms are awaited.
    /// - Throws: ``AMQPError`` `.channelClosed` with 404 when a queue does not exist.
    public func replay(messageID: String? = nil, limit: Int? = nil, batchSize: Int = 100) async throws -> ReplayOutcome {
        let present = try await requireCount()
        // The task queue must exist, or every copy would come back unroutable.
        _ = try await connection.withChannel { channel in try await channel.queueDeclare(taskQueue, passive: true) }
        let reading = try await connection.openChannel()
        let publishing = try await connection.openChannel()
        try await publishing.confirmSelect(maxOutstanding: max(1, batchSize))
        var outcome = ReplayOutcome()
        var skipped: [AMQPDelivery] = []
        var fetched = 0
        let wanted = limit ?? Int.max
        do {
            rounds: while fetched < present, outcome.replayed < wanted {
                var batch: [AMQPDelivery] = []
                while batch.count < batchSize, fetched < present, outcome.replayed + batch.count < wanted {
                    guard let delivery = try await reading.get(queue: name) else { break rounds }
                    fetched += 1
                    if let messageID, delivery.properties.messageID != messageID {
                        skipped.append(delivery)
                        continue
                    }
                    batch.append(delivery)
                }
                if batch.isEmpty { continue }
                let results = await republish(batch, on: publishing)
                for (delivery, error) in zip(batch, results) {
                    if let error {
                        outcome.failure = outcome.failure ?? error
                        skipped.append(delivery)
                        continue
                    }
                    try delivery.ack()
                    outcome.replayed += 1
                }
                if outcome.failure != nil { break }
            }
        } catch {
            outcome.failure = outcome.failure ?? error
        }
        giveBack(skipped)
        try? await publishing.close()
        try? await reading.close()
        return outcome
    }

    /// Deletes every ready dead letter; returns how many.
    /// - Throws: ``AMQPError`` `.channelClosed` with 404 when the dead-letter queue does not exist.
    @discardableResult
    public func purge() async throws -> Int {
        try await connection.withChannel { channel in Int(try await channel.queuePurge(name)) }
    }

    private func requireCount() async throws -> Int {
        guard let count = try await count() else {
            throw AMQPError(
                .channelClosed,
                "queue '\(name)' does not exist; no worker or producer has declared task queue '\(taskQueue)' yet",
                replyCode: 404, operation: "queue.declare", object: "queue '\(name)'"
            )
        }
        return count
    }

    /// Returns fetched messages to the queue with `basic.nack(requeue: true)`: what RabbitMQ 4.3
    /// does not count as a delivery. A message whose channel is gone was returned by the broker.
    private func giveBack(_ deliveries: [AMQPDelivery]) {
        for delivery in deliveries {
            try? delivery.nack(requeue: true)
        }
    }

    /// Publishes the replay copies concurrently; returns each one's error, in order.
    private func republish(_ batch: [AMQPDelivery], on channel: AMQPChannel) async -> [(any Error)?] {
        await withTaskGroup(of: (Int, (any Error)?).self) { group in
            for (index, delivery) in batch.enumerated() {
                let message = DeadLetter(delivery).replayMessage(to: taskQueue)
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
