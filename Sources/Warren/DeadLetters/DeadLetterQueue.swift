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
    private let connections: any AMQPConnectionProvider

    /// The dead letters of `queue`, read through `connection`: an `AMQPConnection`, or a
    /// `ReconnectingConnection` so that each operation runs on the connection current at the time.
    public init(for queue: TaskQueue, on connection: any AMQPConnectionProvider) {
        self.taskQueue = queue.name
        self.connections = connection
    }

    /// How many dead letters are ready; nil when the dead-letter queue does not exist (no worker or
    /// producer declared the task queue yet).
    public func count() async throws -> Int? {
        try await connections.connection().inspectQueue(name).map { Int($0.messageCount) }
    }

    /// The first `limit` dead letters, oldest first, left in the queue.
    /// - Throws: `AMQPError` `.channelClosed` with 404 when the dead-letter queue does not exist.
    public func list(limit: Int = 100) async throws -> [DeadLetter] {
        guard limit > 0 else { return [] }
        _ = try await requireCount()
        let channel = try await connections.connection().openChannel()
        var fetched: [AMQPDelivery] = []
        do {
            // Fetched messages stay unacked until the end, so each is fetched once.
            while fetched.count < limit, let delivery = try await channel.get(queue: name) {
                fetched.append(delivery)
            }
        } catch {
            await giveBack(fetched, closing: channel)
            throw error
        }
        await giveBack(fetched, closing: channel)
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
    /// ``DeadLetter/replayMessage(to:)``). A task this call replayed that dies again meanwhile is
    /// recognised (same message id, one more replay) and left in place, so nothing is replayed in a
    /// loop. Each copy is
    /// confirmed by the broker before its dead letter is removed: a failure leaves it where it was.
    /// - Parameters:
    ///   - messageID: Only the dead letters with this message id; nil for all.
    ///   - limit: At most this many; nil for no limit.
    ///   - batchSize: Copies published before their confirms are awaited.
    /// - Throws: `AMQPError` `.channelClosed` with 404 when a queue does not exist.
    public func replay(messageID: String? = nil, limit: Int? = nil, batchSize: Int = 100) async throws -> ReplayOutcome {
        _ = try await requireCount()
        // The task queue must exist, or every copy would come back unroutable.
        let connection = try await connections.connection()
        _ = try await connection.withChannel { channel in try await channel.queueDeclare(taskQueue, passive: true) }
        let reading = try await connection.openChannel()
        let publishing = try await connection.openChannel()
        try await publishing.confirmSelect(maxOutstanding: max(1, batchSize))
        var outcome = ReplayOutcome()
        var skipped: [AMQPDelivery] = []
        // (message id, replays) of each copy published: a dead letter with the same id and one more
        // replay is that copy, dead again.
        var replayedCopies: Set<ReplayedCopy> = []
        let wanted = limit ?? Int.max
        do {
            // Fetched messages stay unacked until the end, so each is fetched once and the loop ends
            // when the queue has nothing left to hand out.
            rounds: while outcome.replayed < wanted {
                var batch: [AMQPDelivery] = []
                while batch.count < batchSize, outcome.replayed + batch.count < wanted {
                    guard let delivery = try await reading.get(queue: name) else { break }
                    let letter = DeadLetter(delivery)
                    let deadAgain = replayedCopies.contains(ReplayedCopy(messageID: letter.messageID, replays: letter.replays))
                    if deadAgain || (messageID != nil && letter.messageID != messageID) {
                        skipped.append(delivery)
                        continue
                    }
                    batch.append(delivery)
                }
                if batch.isEmpty { break rounds }
                let results = await republish(batch, on: publishing)
                for (delivery, error) in zip(batch, results) {
                    if let error {
                        outcome.failure = outcome.failure ?? error
                        skipped.append(delivery)
                        continue
                    }
                    try delivery.ack()
                    outcome.replayed += 1
                    let letter = DeadLetter(delivery)
                    replayedCopies.insert(ReplayedCopy(messageID: letter.messageID, replays: letter.replays + 1))
                }
                if outcome.failure != nil { break }
            }
        } catch {
            outcome.failure = outcome.failure ?? error
        }
        try? await publishing.close()
        await giveBack(skipped, closing: reading)
        return outcome
    }

    /// Deletes every ready dead letter; returns how many.
    /// - Throws: `AMQPError` `.channelClosed` with 404 when the dead-letter queue does not exist.
    @discardableResult
    public func purge() async throws -> Int {
        try await connections.connection().withChannel { channel in Int(try await channel.queuePurge(name)) }
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

    /// Returns fetched messages to the queue with one `basic.nack(multiple, requeue)` (what RabbitMQ 4.3 does
    /// not count as a delivery), closes the channel, then waits, at most two seconds, until the queue
    /// shows them again: a quorum queue applies returns after the channel's close-ok, and a call right
    /// after this one must find them. A message whose channel is gone was returned by the broker.
    private func giveBack(_ deliveries: [AMQPDelivery], closing channel: AMQPChannel) async {
        // One nack for all (multiple, up to the highest tag): every unacked delivery of this channel
        // is one of `deliveries`, and one command returns them in order, where single nacks were
        // seen to come back partly reversed on RabbitMQ 3.10.
        try? deliveries.max(by: { $0.deliveryTag < $1.deliveryTag })?.nack(multiple: true, requeue: true)
        try? await channel.close()
        guard !deliveries.isEmpty else { return }
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline {
            guard let count = try? await count(), count < deliveries.count else { return }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// A replay copy published by this call: its message id and replay count.
    private struct ReplayedCopy: Hashable {
        var messageID: String?
        var replays: Int
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
