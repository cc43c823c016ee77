/// The deliveries of one consumer, as an async sequence. Returned by ``AMQPChannel/consume(queue:consumerTag:exclusive:noAck:arguments:)``.
///
/// Iterate it once. It ends normally after ``cancel()`` or a close by the application, and throws
/// ``AMQPError`` when the broker cancels the consumer or the channel or connection fails.
public struct AMQPConsumer: AsyncSequence, Sendable {
    public typealias Element = AMQPDelivery

    /// The consumer tag.
    public let tag: String
    /// The queue consumed from.
    public let queue: String
    /// The channel the consumer runs on, where its deliveries are settled.
    public let channel: AMQPChannel
    private let stream: AsyncThrowingStream<AMQPDelivery, any Error>

    init(tag: String, queue: String, channel: AMQPChannel, stream: AsyncThrowingStream<AMQPDelivery, any Error>) {
        self.tag = tag
        self.queue = queue
        self.channel = channel
        self.stream = stream
    }

    /// Cancels the consumer at the broker. Deliveries already received are still yielded.
    public func cancel() async throws {
        try await channel.cancel(consumerTag: tag)
    }

    /// Asks the broker to cancel the consumer without waiting for its answer: the sequence ends, after
    /// the deliveries already received, once the broker confirmed. Safe to call from synchronous code
    /// (e.g. a graceful-shutdown handler) and more than once.
    public func requestCancel() {
        _ = channel.core.inbox.submit(.rpc(channel.shared.identity, .basicCancel(consumerTag: tag), Promise<RPCReply>()))
    }

    /// Creates the iterator.
    public func makeAsyncIterator() -> AsyncThrowingStream<AMQPDelivery, any Error>.AsyncIterator {
        stream.makeAsyncIterator()
    }
}
