import WarrenAMQP

/// Declares Warren's broker objects, idempotently. See docs/topology.md for the picture.
///
/// For a task queue `Q`:
/// - the dead-letter exchange `warren.dead-letter` (direct, shared by all task queues);
/// - the dead-letter queue `Q.dead`, bound to it with routing key `Q`;
/// - the task queue `Q`, with `x-dead-letter-exchange: warren.dead-letter` and
///   `x-dead-letter-routing-key: Q`, so anything the broker dead-letters (rejected, expired, over its
///   delivery limit) lands in `Q.dead` too;
/// - the shared delay exchanges and queues (``DelayRouting``) and `Q`'s binding to their delivery
///   exchange, used by retries and delayed tasks.
public struct Topology: Sendable {
    /// The shared dead-letter exchange's name.
    public var deadLetterExchange: String
    /// The delay exchanges and queues.
    public var delays: DelayRouting
    /// The queue type of the delay queues. Quorum for clusters, so that waiting retries survive
    /// the loss of a node.
    public var delayQueueKind: TaskQueue.Kind

    /// Warren's default names: `warren.dead-letter` and `warren.delay.*`.
    public init(
        deadLetterExchange: String = "warren.dead-letter",
        delays: DelayRouting = DelayRouting(),
        delayQueueKind: TaskQueue.Kind = .classic
    ) {
        self.deadLetterExchange = deadLetterExchange
        self.delays = delays
        self.delayQueueKind = delayQueueKind
    }

    /// Declares everything a task queue needs, on one channel, strictly: a queue that exists with other
    /// arguments fails the call. ``declare(_:on:delays:)`` is the tolerant form workers and
    /// producers use.
    /// - Throws: `AMQPError` `.channelClosed` with 406 when `Q` exists with other arguments (e.g.
    ///   classic versus quorum); the message says which. `.invalidArgument` for priorities on a quorum
    ///   queue of a broker older than RabbitMQ 4.0.
    public func declare(_ queue: TaskQueue, on channel: AMQPChannel) async throws {
        try await declareTaskQueue(queue, on: channel)
        try await declareDelayInfrastructure(on: channel)
        try await bindDelayDelivery(queue.name, on: channel)
    }

    /// Declares the task queue, its dead-letter queue and the dead-letter exchange: what consuming
    /// needs, without the shared delay levels. Strict, like ``declare(_:on:)-(_,AMQPChannel)``.
    public func declareTaskQueue(_ queue: TaskQueue, on channel: AMQPChannel) async throws {
        try queue.validate()
        try Self.checkSupported(queue, by: channel.brokerVersion)
        try await channel.exchangeDeclare(deadLetterExchange, type: .direct, durable: true)
        try await channel.queueDeclare(queue.deadLetterQueue, durable: true, arguments: deadLetterQueueArguments(queue))
        try await channel.queueBind(queue.deadLetterQueue, exchange: deadLetterExchange, routingKey: queue.name)
        try await channel.queueDeclare(queue.name, durable: true, arguments: taskQueueArguments(queue))
    }

    /// Fails for what the broker cannot do: priorities on a quorum queue before RabbitMQ 4.0.
    static func checkSupported(_ queue: TaskQueue, by broker: BrokerVersion?) throws(AMQPError) {
        let version = broker ?? .oldestSupported
        if queue.kind == .quorum, queue.maxPriority != nil, !version.supportsQuorumQueuePriorities {
            throw AMQPError(
                .invalidArgument,
                "task queue '\(queue.name)': priorities on a quorum queue need RabbitMQ 4.0 or later, and this broker is \(broker.map { "RabbitMQ \($0)" } ?? "of an unknown version"); use a classic queue, or no maxPriority",
                object: queue.name
            )
        }
    }

    /// Declares the shared delay exchanges and queues.
    public func declareDelayInfrastructure(on channel: AMQPChannel) async throws {
        try await channel.exchangeDeclare(delays.deliveryExchange, type: .topic, durable: true)
        for level in 0..<DelayRouting.levels {
            let name = delays.levelName(level)
            try await channel.exchangeDeclare(name, type: .topic, durable: true)
        }
        for level in 0..<DelayRouting.levels {
            let name = delays.levelName(level)
            var arguments = typeArguments(delayQueueKind)
            arguments["x-message-ttl"] = .int64(delays.levelTTLMilliseconds(level))
            arguments["x-dead-letter-exchange"] = .string(delays.nextExchange(after: level))
            if delayQueueKind == .quorum {
                arguments["x-dead-letter-strategy"] = "at-least-once"
                arguments["x-overflow"] = "reject-publish"
            }
            try await channel.queueDeclare(name, durable: true, arguments: arguments)
            try await channel.queueBind(name, exchange: name, routingKey: delays.bitPattern(level: level, value: true))
            try await channel.exchangeBind(
                destination: delays.nextExchange(after: level),
                source: name,
                routingKey: delays.bitPattern(level: level, value: false)
            )
        }
    }

    /// Binds a task queue to the delay delivery exchange, so delayed messages reach it.
    public func bindDelayDelivery(_ queue: String, on channel: AMQPChannel) async throws {
        try await channel.queueBind(queue, exchange: delays.deliveryExchange, routingKey: delays.deliveryPattern(queue: queue))
    }

    /// The task queue's arguments. The same on every broker version, so that upgrading the broker
    /// never makes them differ from what exists.
    public func taskQueueArguments(_ queue: TaskQueue) -> AMQPTable {
        var arguments = typeArguments(queue.kind)
        arguments["x-dead-letter-exchange"] = .string(deadLetterExchange)
        arguments["x-dead-letter-routing-key"] = .string(queue.name)
        if queue.kind == .quorum {
            arguments["x-dead-letter-strategy"] = "at-least-once"
            arguments["x-overflow"] = "reject-publish"
            arguments["x-delivery-limit"] = .int64(Int64(queue.effectiveDeliveryLimit))
        } else if let maxPriority = queue.maxPriority {
            // Quorum queues (4.0+) honour priorities without the argument, and refuse it.
            arguments["x-max-priority"] = .int64(Int64(maxPriority))
        }
        for (key, value) in queue.arguments { arguments[key] = value }
        return arguments
    }

    /// The dead-letter queue's arguments: its type and, for quorum, the large explicit delivery limit
    /// (``TaskQueue/deadLetterDeliveryLimit``) that keeps listings from ever dropping a dead letter.
    public func deadLetterQueueArguments(_ queue: TaskQueue) -> AMQPTable {
        var arguments = typeArguments(queue.kind)
        if queue.kind == .quorum {
            arguments["x-delivery-limit"] = .int64(Int64(TaskQueue.deadLetterDeliveryLimit))
        }
        return arguments
    }

    private func typeArguments(_ kind: TaskQueue.Kind) -> AMQPTable {
        kind == .quorum ? ["x-queue-type": "quorum"] : [:]
    }
}
