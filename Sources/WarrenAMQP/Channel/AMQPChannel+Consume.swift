extension AMQPChannel {
    /// Limits how many unacknowledged deliveries the broker sends this channel's consumers
    /// (`basic.qos`). With `global: false` (RabbitMQ's meaning) the limit applies to each new consumer.
    public func basicQos(prefetchCount: UInt16, global: Bool = false) async throws {
        _ = try await call(.basicQos(prefetchCount: prefetchCount, global: global))
    }

    /// Starts a consumer on a queue (`basic.consume`) and returns its deliveries as an async sequence.
    ///
    /// With `noAck: false` (the default) every delivery must be settled with
    /// ``AMQPDelivery/ack(multiple:)``, ``AMQPDelivery/nack(multiple:requeue:)`` or
    /// ``AMQPDelivery/reject(requeue:)``; set a prefetch with ``basicQos(prefetchCount:global:)`` first,
    /// or the broker sends the whole queue. The sequence ends normally when the consumer is cancelled by
    /// ``AMQPConsumer/cancel()`` or the channel or connection is closed by the application, and throws
    /// when the broker cancels the consumer (its queue was deleted: `.consumerCancelled`) or the channel
    /// or connection fails. Cancelling the iterating task, or letting go of the last copy of the
    /// ``AMQPConsumer``, cancels the consumer at the broker; after a `break` that keeps the consumer
    /// around, call ``AMQPConsumer/cancel()``. Deliveries received but not yet handed to the loop are
    /// then rejected with requeue (with manual acknowledgement), so they go back to the queue at once.
    ///
    /// - Parameters:
    ///   - queue: The queue to consume from.
    ///   - consumerTag: A tag for the consumer; empty lets the broker generate one.
    ///   - exclusive: No other consumer may consume from the queue meanwhile.
    ///   - noAck: The broker considers messages settled as soon as it sends them (at-most-once).
    ///   - arguments: e.g. `x-priority`.
    public func consume(
        queue: String,
        consumerTag: String = "",
        exclusive: Bool = false,
        noAck: Bool = false,
        arguments: AMQPTable = [:]
    ) async throws -> AMQPConsumer {
        let buffer = DeliveryBuffer(settlesDeliveries: !noAck)
        let reply = try await call(
            .basicConsume(
                queue: queue, consumerTag: consumerTag, exclusive: exclusive, noAck: noAck, arguments: arguments,
                buffer: buffer
            )
        )
        guard case .consumerTag(let tag) = reply else { throw unexpected(reply, for: "basic.consume") }
        return AMQPConsumer(tag: tag, queue: queue, channel: self, buffer: buffer)
    }

    /// Cancels a consumer (`basic.cancel`). Its sequence ends after the deliveries already received.
    public func cancel(consumerTag: String) async throws {
        _ = try await call(.basicCancel(consumerTag: consumerTag))
    }

    /// Fetches one message from a queue (`basic.get`), or returns nil when the queue is empty.
    /// Consuming is far more efficient for a stream of messages.
    public func get(queue: String, noAck: Bool = false) async throws -> AMQPDelivery? {
        let reply = try await call(.basicGet(queue: queue, noAck: noAck))
        switch reply {
        case .got(let delivery): return delivery
        case .getEmpty: return nil
        default: throw unexpected(reply, for: "basic.get")
        }
    }

    /// Acknowledges a delivery by tag (`basic.ack`); see ``AMQPDelivery/ack(multiple:)``.
    public func ack(deliveryTag: UInt64, multiple: Bool = false) throws {
        try core.settle(.ack(deliveryTag, multiple: multiple), on: shared)
    }

    /// Negatively acknowledges a delivery by tag (`basic.nack`).
    public func nack(deliveryTag: UInt64, multiple: Bool = false, requeue: Bool) throws {
        try core.settle(.nack(deliveryTag, multiple: multiple, requeue: requeue), on: shared)
    }

    /// Rejects a delivery by tag (`basic.reject`).
    public func reject(deliveryTag: UInt64, requeue: Bool) throws {
        try core.settle(.reject(deliveryTag, requeue: requeue), on: shared)
    }
}
