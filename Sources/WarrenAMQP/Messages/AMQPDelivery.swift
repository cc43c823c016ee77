/// A message delivered to a consumer (`basic.deliver`) or fetched with `basic.get`.
///
/// A delivery received with manual acknowledgement must be settled exactly once with ``ack(multiple:)``,
/// ``nack(multiple:requeue:)`` or ``reject(requeue:)`` on the channel it came from. Its delivery tag is
/// only valid on that channel: once the channel or connection is gone, settling it throws, and the
/// broker has already put the message back in its queue (it will come again with `redelivered` set).
public struct AMQPDelivery: Sendable {
    /// Everything is kept in one immutable object, so that handing a delivery from the I/O thread
    /// to the consumer and on to a handler copies one reference, not a dozen fields.
    private final class Storage: Sendable {
        let body: [UInt8]
        let properties: AMQPProperties
        let deliveryTag: UInt64
        let redelivered: Bool
        let exchange: String
        let routingKey: String
        let consumerTag: String
        let messageCount: UInt32?
        let acknowledger: DeliveryAcknowledger

        init(
            body: [UInt8], properties: AMQPProperties, deliveryTag: UInt64, redelivered: Bool, exchange: String,
            routingKey: String, consumerTag: String, messageCount: UInt32?, acknowledger: DeliveryAcknowledger
        ) {
            self.body = body
            self.properties = properties
            self.deliveryTag = deliveryTag
            self.redelivered = redelivered
            self.exchange = exchange
            self.routingKey = routingKey
            self.consumerTag = consumerTag
            self.messageCount = messageCount
            self.acknowledger = acknowledger
        }
    }

    private let storage: Storage

    init(
        body: [UInt8], properties: AMQPProperties, deliveryTag: UInt64, redelivered: Bool, exchange: String,
        routingKey: String, consumerTag: String, messageCount: UInt32?, acknowledger: DeliveryAcknowledger
    ) {
        storage = Storage(
            body: body, properties: properties, deliveryTag: deliveryTag, redelivered: redelivered, exchange: exchange,
            routingKey: routingKey, consumerTag: consumerTag, messageCount: messageCount, acknowledger: acknowledger
        )
    }

    /// The message body.
    public var body: [UInt8] { storage.body }
    /// The message's properties and headers.
    public var properties: AMQPProperties { storage.properties }
    /// The channel-scoped tag to ack, nack or reject this delivery with.
    public var deliveryTag: UInt64 { storage.deliveryTag }
    /// True when the broker delivered this message before (to this or another consumer) without an ack.
    public var redelivered: Bool { storage.redelivered }
    /// The exchange the message was published to (empty for the default exchange).
    public var exchange: String { storage.exchange }
    /// The routing key the message was published with.
    public var routingKey: String { storage.routingKey }
    /// The consumer tag, or an empty string for a message fetched with `basic.get`.
    public var consumerTag: String { storage.consumerTag }
    /// For `basic.get`: the number of messages left in the queue after this one.
    public var messageCount: UInt32? { storage.messageCount }

    var acknowledger: DeliveryAcknowledger { storage.acknowledger }

    /// Acknowledges the delivery (and, with `multiple`, every earlier unsettled one on the channel).
    /// - Throws: ``AMQPError`` when the channel is closed; the broker requeues the message then.
    public func ack(multiple: Bool = false) throws {
        try acknowledger.settle(.ack(deliveryTag, multiple: multiple))
    }

    /// Negatively acknowledges the delivery. With `requeue: false` the broker drops it or, if the
    /// queue has a dead-letter exchange, dead-letters it.
    /// - Throws: ``AMQPError`` when the channel is closed.
    public func nack(multiple: Bool = false, requeue: Bool) throws {
        try acknowledger.settle(.nack(deliveryTag, multiple: multiple, requeue: requeue))
    }

    /// Rejects the delivery (`basic.reject`), like ``nack(multiple:requeue:)`` for a single message.
    /// - Throws: ``AMQPError`` when the channel is closed.
    public func reject(requeue: Bool) throws {
        try acknowledger.settle(.reject(deliveryTag, requeue: requeue))
    }

    /// The body decoded as UTF-8 text.
    public var bodyString: String { String(decoding: body, as: UTF8.self) }
}

/// How a delivery is settled.
enum Settlement: Sendable, Equatable {
    case ack(UInt64, multiple: Bool)
    case nack(UInt64, multiple: Bool, requeue: Bool)
    case reject(UInt64, requeue: Bool)
}

/// Sends settlements for deliveries of one channel incarnation to the connection's I/O thread.
struct DeliveryAcknowledger: Sendable {
    let core: ConnectionCore
    let channel: ChannelShared

    func settle(_ settlement: Settlement) throws(AMQPError) {
        try core.settle(settlement, on: channel)
    }
}
