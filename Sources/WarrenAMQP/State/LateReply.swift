/// What the client must undo when the broker did something for a caller who no longer waits: the
/// call was cancelled or timed out after it went on the wire, or a delivery arrived for a consumer
/// that is being cancelled. The broker has done its part (opened the channel, started the consumer,
/// handed over a message), so leaving it would leak a channel, a consumer or an unacked message.
///
/// A pure function of what arrived, unit-tested without a broker; the I/O thread carries the undo out.
enum LateReply: Equatable {
    /// `channel.open-ok` for a caller that gave up.
    case channelOpened
    /// `basic.consume-ok` for a caller that gave up.
    case consumerStarted(tag: String)
    /// `basic.get-ok` for a caller that gave up.
    case fetched(deliveryTag: UInt64, noAck: Bool)
    /// `basic.deliver` for a consumer the client no longer has (being cancelled).
    case deliveredToGoneConsumer(deliveryTag: UInt64, noAck: Bool)

    /// The undo.
    enum Undo: Equatable {
        /// Close the channel again (`channel.close`, nobody waits for its close-ok).
        case closeChannel
        /// Cancel the consumer at the broker (`basic.cancel`, nobody waits for its cancel-ok); its
        /// buffered and in-flight deliveries go back to the queue when the cancel lands.
        case cancelConsumer(tag: String)
        /// Give the message back to its queue: `basic.nack` with requeue, which RabbitMQ 4.3 does not
        /// count as a quorum delivery (a `basic.reject` it does).
        case requeue(deliveryTag: UInt64)
        /// Nothing: a no-ack message is already settled at the broker, and a nack for it would be a
        /// channel error (406 PRECONDITION_FAILED, unknown delivery tag). The message is lost to the
        /// caller who gave up, as no-ack allows.
        case drop
    }

    /// The undo for what arrived.
    var undo: Undo {
        switch self {
        case .channelOpened:
            return .closeChannel
        case .consumerStarted(let tag):
            return .cancelConsumer(tag: tag)
        case .fetched(let deliveryTag, let noAck), .deliveredToGoneConsumer(let deliveryTag, let noAck):
            return noAck ? .drop : .requeue(deliveryTag: deliveryTag)
        }
    }
}
