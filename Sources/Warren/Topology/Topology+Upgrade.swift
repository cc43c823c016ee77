import WarrenAMQP

/// A queue that ``Topology/upgrade(_:on:)`` recreated, and how many messages it carried over.
public struct UpgradedQueue: Sendable, Hashable {
    /// The queue's name.
    public var name: String
    /// The messages moved out and back in.
    public var messages: Int
    /// What the broker said about the old arguments (the 406 reply text).
    public var brokerMessage: String
}

extension Topology {
    /// Recreates a task queue and its dead-letter queue with Warren's arguments where they exist with
    /// others (an older Warren's `Q.dead` without the explicit delivery limit, a queue a pika producer
    /// made), keeping every message; queues that already match are left alone.
    ///
    /// For each such queue `N`: a holding queue `N.warren-upgrade` is declared, with the bindings
    /// through which Warren routes to `N` (so dead letters and delayed tasks keep arriving there);
    /// every message of `N` is moved to it (a copy published with a confirm, then the original
    /// acked); `N` is deleted once it is empty and has no consumers (checked just before: quorum queues
    /// refuse the broker's conditional delete); `N` is declared anew with
    /// Warren's arguments and the messages moved back; the holding queue is deleted. A crash in
    /// between leaves every message in `N` or in `N.warren-upgrade` (run the upgrade again: it finds
    /// and empties the holding queue), at worst twice, never none.
    ///
    /// Stop the workers of the queue first: a queue with consumers is not deleted (the call fails
    /// with a message saying so). Pause producers that publish straight to the task queue: a task
    /// published in the moment between the last check and the delete would go with the old queue, and
    /// one published while the queue is gone gets an `unroutable` error. Dead letters and delayed
    /// tasks reach the holding queue through its bindings throughout.
    /// - Returns: The queues recreated (empty when everything already matched).
    public func upgrade(_ queue: TaskQueue, on connection: AMQPConnection) async throws -> [UpgradedQueue] {
        try queue.validate()
        try Self.checkSupported(queue, by: connection.brokerVersion)
        // Finish an upgrade that a crash interrupted: its holding queues still hold messages.
        for name in [queue.deadLetterQueue, queue.name] where try await connection.inspectQueue(Self.holdingName(name)) != nil {
            _ = try await Self.move(from: Self.holdingName(name), to: name, on: connection)
            try await connection.withChannel { channel in _ = try await channel.queueDelete(Self.holdingName(name)) }
        }
        var upgraded: [UpgradedQueue] = []
        let mismatches = try await declare(queue, on: connection)
        for mismatch in mismatches {
            let isDead = mismatch.queue == queue.deadLetterQueue
            let kind = queue.kind
            let hold = Self.holdingName(mismatch.queue)
            // Where Warren routes to this queue (besides publishing to it by name): the dead-letter
            // exchange for Q.dead, the delay exchange for Q. The holding queue is bound there meanwhile.
            let route = isDead
                ? (exchange: deadLetterExchange, routingKey: queue.name)
                : (exchange: delays.deliveryExchange, routingKey: delays.deliveryPattern(queue: queue.name))
            let arguments = isDead ? deadLetterQueueArguments(queue) : taskQueueArguments(queue)
            try await connection.withChannel { channel in
                _ = try await channel.queueDeclare(hold, durable: true, arguments: kind == .quorum ? ["x-queue-type": "quorum"] : [:])
                try await channel.queueBind(hold, exchange: route.exchange, routingKey: route.routingKey)
            }
            var moved = 0
            var deleted = false
            for _ in 0..<5 where !deleted {
                moved += try await Self.move(from: mismatch.queue, to: hold, on: connection)
                let counts = try await connection.withChannel { channel in try await channel.queueDeclare(mismatch.queue, passive: true) }
                if counts.consumerCount > 0 {
                    throw AMQPError(
                        .invalidArgument,
                        "queue '\(mismatch.queue)' has \(counts.consumerCount) consumer(s); stop its workers, then upgrade again (its messages wait in '\(hold)', which the next upgrade empties)",
                        object: mismatch.queue
                    )
                }
                // Messages that arrived meanwhile are moved in the next round.
                guard counts.messageCount == 0 else { continue }
                // Quorum queues refuse conditional deletes (540 NOT_IMPLEMENTED), so the check above
                // is what guards them; classic queues are also guarded by the broker.
                let conditional = kind == .classic
                try await connection.withChannel { channel in
                    _ = try await channel.queueDelete(mismatch.queue, ifUnused: conditional, ifEmpty: conditional)
                }
                deleted = true
            }
            guard deleted else {
                throw AMQPError(.invalidArgument, "queue '\(mismatch.queue)' kept receiving messages; upgrade it when its producers are quiet", object: mismatch.queue)
            }
            try await connection.withChannel { channel in
                _ = try await channel.queueDeclare(mismatch.queue, durable: true, arguments: arguments)
                try await channel.queueBind(mismatch.queue, exchange: route.exchange, routingKey: route.routingKey)
                // Unbound before the last move, so nothing arrives in the holding queue after it.
                try await channel.queueUnbind(hold, exchange: route.exchange, routingKey: route.routingKey)
            }
            _ = try await Self.move(from: hold, to: mismatch.queue, on: connection)
            try await connection.withChannel { channel in _ = try await channel.queueDelete(hold) }
            upgraded.append(UpgradedQueue(name: mismatch.queue, messages: moved, brokerMessage: mismatch.brokerMessage))
        }
        return upgraded
    }

    /// The holding queue of an upgrade of `name`.
    static func holdingName(_ name: String) -> String { name + ".warren-upgrade" }

    /// Moves every message of `source` to `destination`: a confirmed copy (same body and properties,
    /// the broker's delivery count removed), then the original acked. Returns how many.
    static func move(from source: String, to destination: String, on connection: AMQPConnection) async throws -> Int {
        let reading = try await connection.openChannel()
        let publishing = try await connection.openChannel()
        var moved = 0
        do {
            try await publishing.confirmSelect(maxOutstanding: 256)
            while let delivery = try await reading.get(queue: source) {
                try await publishing.publish(AMQPOutboundMessage.copy(body: delivery.body, properties: delivery.properties, toQueue: destination))
                try delivery.ack()
                moved += 1
            }
        } catch {
            // What was fetched and not acked goes back to `source` when its channel closes.
            try? await publishing.close()
            try? await reading.close()
            throw error
        }
        try? await publishing.close()
        try? await reading.close()
        return moved
    }
}
