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
    private let handle: Handle

    init(tag: String, queue: String, channel: AMQPChannel, buffer: DeliveryBuffer) {
        self.tag = tag
        self.queue = queue
        self.channel = channel
        self.handle = Handle(buffer)
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
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(handle)
    }

    /// The iterator of an ``AMQPConsumer``: takes the deliveries buffered so far in one go and hands
    /// them out one by one, suspending only when none are left.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private let handle: Handle
        private let taken: Taken

        init(_ handle: Handle) {
            self.handle = handle
            self.taken = Taken(handle.buffer)
        }

        /// The next delivery; nil once the consumer ended (or the iterating task was cancelled).
        /// - Throws: ``AMQPError`` when the broker cancelled the consumer or the channel or connection failed.
        public mutating func next() async throws -> AMQPDelivery? {
            if taken.index < taken.items.count {
                taken.index += 1
                return taken.items[taken.index - 1]
            }
            taken.items.removeAll(keepingCapacity: true)
            taken.index = 0
            try await handle.buffer.take(into: &taken.items)
            guard !taken.items.isEmpty else { return nil }
            taken.index = 1
            return taken.items[0]
        }

        /// The deliveries the iterator took from the buffer and has not handed out yet. When the
        /// iterator goes away (the loop was left), those are given back to the broker.
        final class Taken {
            var items: [AMQPDelivery] = []
            var index = 0
            private let buffer: DeliveryBuffer

            init(_ buffer: DeliveryBuffer) {
                self.buffer = buffer
            }

            deinit {
                if index < items.count { buffer.giveBack(items[index...]) }
            }
        }
    }

    /// Owned by the consumer and its iterators: when the last of them is gone, the application
    /// cannot read the deliveries any more, so the consumer is cancelled at the broker.
    final class Handle: Sendable {
        let buffer: DeliveryBuffer

        init(_ buffer: DeliveryBuffer) {
            self.buffer = buffer
        }

        deinit {
            buffer.cancel()
        }
    }
}
