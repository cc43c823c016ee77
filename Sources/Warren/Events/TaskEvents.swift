import WarrenAMQP

/// Settings for a worker's task lifecycle events; set ``Worker/Configuration/events`` to turn them on.
///
/// The worker publishes one ``TaskEvent`` per step of each task's life to a durable topic exchange
/// (default `warren.events`), with the event's kind as routing key: `task.started`,
/// `task.succeeded`, `task.retrying`, `task.dead-lettered`. Subscribe by binding a queue of your own
/// with `task.#` (everything) or a single kind; see ``subscribe(on:queue:bindingKey:exchange:prefetch:arguments:)``.
///
/// Events never slow or break task processing: they wait in a bounded buffer and are published in
/// batches, transient and with confirms, on the worker's publishing connection. When the buffer is
/// full (the broker is slow, blocks publishing, or is away) new events are dropped and counted in
/// the `warren_events_dropped_total` metric. Events are for status pages, audit logs and
/// dashboards, not for correctness: a consumer of events must tolerate a missing or repeated one.
public struct TaskEvents: Sendable {
    /// The topic exchange events go to.
    public var exchange: String
    /// The most events held in memory; newer ones are dropped when it is full.
    public var bufferCapacity: Int
    /// The most events published in one batch.
    public var batchSize: Int
    /// Publish events persistent, so that they survive a broker restart in durable subscriber
    /// queues (at the cost of a disk write each). Off by default.
    public var persistent: Bool

    /// Events on `exchange` (default `warren.events`).
    public init(exchange: String = "warren.events", bufferCapacity: Int = 10_000, batchSize: Int = 256, persistent: Bool = false) {
        self.exchange = exchange
        self.bufferCapacity = max(1, bufferCapacity)
        self.batchSize = max(1, batchSize)
        self.persistent = persistent
    }

    /// Declares the events exchange (durable topic), as a worker with events does.
    public static func declareExchange(_ exchange: String = "warren.events", on channel: AMQPChannel) async throws {
        try await channel.exchangeDeclare(exchange, type: .topic, durable: true)
    }

    /// Declares a durable queue bound to the events exchange with `bindingKey` and returns its
    /// consumer; decode each delivery with ``TaskEvent/init(from:)-(AMQPDelivery)`` and ack it.
    ///
    /// - Parameters:
    ///   - channel: The channel to declare on and consume from.
    ///   - queue: The subscriber's own queue (one per subscribing service, shared by its instances).
    ///   - bindingKey: `task.#` for every event, or one kind such as `task.dead-lettered`.
    ///   - exchange: The events exchange the workers publish to.
    ///   - prefetch: Events delivered ahead of their acks.
    ///   - arguments: the subscriber queue's arguments, e.g. `x-max-length` or `x-message-ttl` so
    ///     that a subscriber that is down for long does not grow its queue without bound.
    public static func subscribe(
        on channel: AMQPChannel,
        queue: String,
        bindingKey: String = "task.#",
        exchange: String = "warren.events",
        prefetch: UInt16 = 256,
        arguments: AMQPTable = [:]
    ) async throws -> AMQPConsumer {
        try await declareExchange(exchange, on: channel)
        try await channel.queueDeclare(queue, durable: true, arguments: arguments)
        try await channel.queueBind(queue, exchange: exchange, routingKey: bindingKey)
        try await channel.basicQos(prefetchCount: prefetch)
        return try await channel.consume(queue: queue)
    }
}
