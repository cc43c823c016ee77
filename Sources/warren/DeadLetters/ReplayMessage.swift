import Warren

/// Builds the copy of a dead letter that goes back to its task queue: same body, id and
/// properties, failure history removed, attempts starting over, replay count incremented.
enum ReplayMessage {
    /// The headers a replay removes: the attempt counter, Warren's failure headers and the broker's.
    static let removedHeaders: Set<String> = [
        WarrenHeaders.attempt, WarrenHeaders.deadReason, WarrenHeaders.lastError,
        WarrenHeaders.firstFailureAt, WarrenHeaders.lastFailureAt,
        "x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason",
        "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason",
    ]

    /// The message to publish (default exchange, routing key `queue`, mandatory) for `delivery`.
    static func make(from delivery: AMQPDelivery, to queue: String) -> AMQPOutboundMessage {
        make(body: delivery.body, properties: delivery.properties, to: queue)
    }

    /// The message to publish for a dead letter with `body` and `properties`.
    static func make(body: [UInt8], properties original: AMQPProperties, to queue: String) -> AMQPOutboundMessage {
        var properties = original
        let headersBefore = original.headers ?? [:]
        var headers = AMQPTable(entries: headersBefore.filter { !removedHeaders.contains($0.key) })
        headers[WarrenHeaders.replays] = .int64((headersBefore[WarrenHeaders.replays]?.intValue ?? 0) + 1)
        properties.headers = headers
        properties.deliveryMode = .persistent
        // A per-message TTL would count again from now and could drop the replayed task.
        properties.expiration = nil
        return AMQPOutboundMessage(body: body, exchange: "", routingKey: queue, mandatory: true, properties: properties)
    }
}
