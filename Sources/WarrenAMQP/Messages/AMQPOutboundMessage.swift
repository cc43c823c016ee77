/// A message to publish: body, destination and properties.
public struct AMQPOutboundMessage: Sendable {
    /// The message body.
    public var body: [UInt8]
    /// The exchange to publish to; the empty string is the default exchange, which routes by queue name.
    public var exchange: String
    /// The routing key.
    public var routingKey: String
    /// When true, the broker returns the message (`basic.return`) if no queue receives it; with
    /// publisher confirms on, the publish then throws ``AMQPError/Code/unroutable``.
    public var mandatory: Bool
    /// The message's properties and headers.
    public var properties: AMQPProperties

    /// Creates a message.
    public init(
        body: [UInt8],
        exchange: String = "",
        routingKey: String,
        mandatory: Bool = false,
        properties: AMQPProperties = AMQPProperties()
    ) {
        self.body = body
        self.exchange = exchange
        self.routingKey = routingKey
        self.mandatory = mandatory
        self.properties = properties
    }
}
