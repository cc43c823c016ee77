import WarrenAMQP

extension AMQPOutboundMessage {
    /// The headers a broker sets when it delivers a message, which a copy published again must not
    /// carry.
    static let brokerDeliveryHeaders: Set<String> = ["x-delivery-count"]

    /// A copy of a received message published straight to `queue` (default exchange, mandatory,
    /// persistent): same body and properties, the broker's delivery headers removed. What a worker's
    /// hand-back, a queue upgrade's moves and a dead letter's replay publish.
    static func copy(body: [UInt8], properties: AMQPProperties, toQueue queue: String) -> AMQPOutboundMessage {
        var properties = properties
        if let headers = properties.headers {
            let kept = AMQPTable(entries: headers.filter { !brokerDeliveryHeaders.contains($0.key) })
            properties.headers = kept.isEmpty ? nil : kept
        }
        properties.deliveryMode = .persistent
        return AMQPOutboundMessage(body: body, exchange: "", routingKey: queue, mandatory: true, properties: properties)
    }
}
