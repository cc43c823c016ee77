import CRabbitMQ

/// Identifies one incarnation of a channel: its number, and a generation that grows with every
/// channel the connection opens (one counter for the connection). A delivery tag is only valid on
/// the incarnation that received it, so a reused number never takes a stale tag.
struct ChannelIdentity: Sendable, Hashable, CustomStringConvertible {
    var number: UInt16
    var generation: UInt64

    var description: String { "\(number)" }
}

/// Work for the I/O thread, submitted through the ``Inbox``.
enum Command: Sendable {
    /// Open a new channel; the promise gets its shared state.
    case openChannel(Promise<ChannelShared>)
    /// Send a synchronous method on a channel and settle the promise with the broker's reply.
    case rpc(ChannelIdentity, MethodRequest, Promise<RPCReply>)
    /// Publish one message on a channel. The promise is settled when it is confirmed (confirm mode)
    /// or written to the socket (otherwise). Apart from ``publish(_:_:_:)`` so that a single publish
    /// builds no array: one per publish cost about 700 instructions (its storage's generic metadata
    /// looked up each time, and the allocation; docs/benchmarks.md, section 3).
    case publishOne(ChannelIdentity, AMQPOutboundMessage, Promise<Void>)
    /// Publish messages on a channel. The promise is settled when all are confirmed (confirm mode)
    /// or written to the socket (otherwise).
    case publish(ChannelIdentity, [AMQPOutboundMessage], Promise<Void>)
    /// Ack, nack or reject a delivery.
    case settle(ChannelIdentity, Settlement)
    /// Close the connection cleanly.
    case close(Promise<Void>)
}

extension Command {
    /// True for `channel.close`, which is sent even from a cancelled task.
    var isChannelClose: Bool {
        if case .rpc(_, .channelClose, _) = self { return true }
        return false
    }
}

/// A synchronous AMQP method sent by the client, with what is needed to encode it.
enum MethodRequest: Sendable {
    case channelClose
    case exchangeDeclare(name: String, type: String, passive: Bool, durable: Bool, autoDelete: Bool,
                         internal: Bool, arguments: AMQPTable)
    case exchangeDelete(name: String, ifUnused: Bool)
    case exchangeBind(destination: String, source: String, routingKey: String, arguments: AMQPTable)
    case exchangeUnbind(destination: String, source: String, routingKey: String, arguments: AMQPTable)
    case queueDeclare(name: String, passive: Bool, durable: Bool, exclusive: Bool, autoDelete: Bool,
                      arguments: AMQPTable)
    case queueBind(queue: String, exchange: String, routingKey: String, arguments: AMQPTable)
    case queueUnbind(queue: String, exchange: String, routingKey: String, arguments: AMQPTable)
    case queuePurge(queue: String)
    case queueDelete(queue: String, ifUnused: Bool, ifEmpty: Bool)
    case basicQos(prefetchCount: UInt16, global: Bool)
    case basicConsume(queue: String, consumerTag: String, exclusive: Bool, noAck: Bool, arguments: AMQPTable,
                      buffer: DeliveryBuffer)
    case basicCancel(consumerTag: String)
    case basicGet(queue: String, noAck: Bool)
    case confirmSelect(maxOutstanding: Int?)

    /// The AMQP name of the method, for errors and logs.
    var operation: String {
        switch self {
        case .channelClose: "channel.close"
        case .exchangeDeclare: "exchange.declare"
        case .exchangeDelete: "exchange.delete"
        case .exchangeBind: "exchange.bind"
        case .exchangeUnbind: "exchange.unbind"
        case .queueDeclare: "queue.declare"
        case .queueBind: "queue.bind"
        case .queueUnbind: "queue.unbind"
        case .queuePurge: "queue.purge"
        case .queueDelete: "queue.delete"
        case .basicQos: "basic.qos"
        case .basicConsume: "basic.consume"
        case .basicCancel: "basic.cancel"
        case .basicGet: "basic.get"
        case .confirmSelect: "confirm.select"
        }
    }

    /// The broker object the method acts on, for errors and logs.
    var object: String? {
        switch self {
        case .exchangeDeclare(let name, _, _, _, _, _, _), .exchangeDelete(let name, _):
            "exchange '\(name)'"
        case .exchangeBind(let destination, let source, let key, _),
             .exchangeUnbind(let destination, let source, let key, _):
            "exchange '\(destination)' bound to exchange '\(source)' with key '\(key)'"
        case .queueBind(let queue, let exchange, let key, _), .queueUnbind(let queue, let exchange, let key, _):
            "queue '\(queue)' bound to exchange '\(exchange)' with key '\(key)'"
        case .queueDeclare(let name, _, _, _, _, _), .queuePurge(let name), .queueDelete(let name, _, _),
             .basicConsume(let name, _, _, _, _, _), .basicGet(let name, _):
            "queue '\(name)'"
        case .basicCancel(let tag):
            "consumer '\(tag)'"
        case .channelClose, .basicQos, .confirmSelect:
            nil
        }
    }
}

extension MethodRequest {
    /// The methods that answer this one.
    var expectedReplies: [amqp_method_number_t] {
        switch self {
        case .channelClose: [AMQP_CHANNEL_CLOSE_OK_METHOD]
        case .exchangeDeclare: [AMQP_EXCHANGE_DECLARE_OK_METHOD]
        case .exchangeDelete: [AMQP_EXCHANGE_DELETE_OK_METHOD]
        case .exchangeBind: [AMQP_EXCHANGE_BIND_OK_METHOD]
        case .exchangeUnbind: [AMQP_EXCHANGE_UNBIND_OK_METHOD]
        case .queueDeclare: [AMQP_QUEUE_DECLARE_OK_METHOD]
        case .queueBind: [AMQP_QUEUE_BIND_OK_METHOD]
        case .queueUnbind: [AMQP_QUEUE_UNBIND_OK_METHOD]
        case .queuePurge: [AMQP_QUEUE_PURGE_OK_METHOD]
        case .queueDelete: [AMQP_QUEUE_DELETE_OK_METHOD]
        case .basicQos: [AMQP_BASIC_QOS_OK_METHOD]
        case .basicConsume: [AMQP_BASIC_CONSUME_OK_METHOD]
        case .basicCancel: [AMQP_BASIC_CANCEL_OK_METHOD]
        case .basicGet: [AMQP_BASIC_GET_OK_METHOD, AMQP_BASIC_GET_EMPTY_METHOD]
        case .confirmSelect: [AMQP_CONFIRM_SELECT_OK_METHOD]
        }
    }

    /// True for `channel.close`, which is sent at once even while another call waits for its reply.
    var bypassesCallOrder: Bool {
        if case .channelClose = self { return true }
        return false
    }
}

/// The broker's reply to a ``MethodRequest``.
enum RPCReply: Sendable {
    case done
    case queueDeclared(AMQPQueueDeclareResult)
    case messageCount(UInt32)
    case consumerTag(String)
    case getEmpty
    case got(AMQPDelivery)
}
