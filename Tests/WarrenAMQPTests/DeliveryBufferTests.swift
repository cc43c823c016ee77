import Logging
import Synchronization
import Testing
@testable import WarrenAMQP

/// Deliveries with tags 1, 2, 3, … (their acknowledger is never used here).
private struct Deliveries {
    let core: ConnectionCore
    let channel = ChannelShared(identity: ChannelIdentity(number: 1, generation: 1))

    init() throws {
        core = try ConnectionCore(configuration: AMQPConnection.Configuration(), logger: Logger(label: "test"))
    }

    func make(_ tag: UInt64) -> AMQPDelivery {
        AMQPDelivery(
            body: Array("m\(tag)".utf8), properties: AMQPProperties(), deliveryTag: tag, redelivered: false,
            exchange: "", routingKey: "q", consumerTag: "c", messageCount: nil,
            acknowledger: DeliveryAcknowledger(core: core, channel: channel)
        )
    }
}

/// Counts calls from any thread.
private final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}

private struct Broken: Error, Equatable {}

@Suite("DeliveryBuffer")
struct DeliveryBufferTests {
    @Test("deliveries come out in order, buffered ones first, then the end")
    func order() async throws {
        let deliveries = try Deliveries()
        let buffer = DeliveryBuffer()
        for tag in UInt64(1)...5 { #expect(buffer.yield(deliveries.make(tag)) == .enqueued) }
        buffer.finish()
        #expect(buffer.yield(deliveries.make(6)) == .terminated)
        var iterator = AMQPConsumer.AsyncIterator(AMQPConsumer.Handle(buffer))
        var tags: [UInt64] = []
        while let delivery = try await iterator.next() { tags.append(delivery.deliveryTag) }
        #expect(tags == [1, 2, 3, 4, 5])
        #expect(try await iterator.next() == nil)
    }

    @Test("an error ends the deliveries after the buffered ones, and is thrown once")
    func errorAfterBuffered() async throws {
        let deliveries = try Deliveries()
        let buffer = DeliveryBuffer()
        _ = buffer.yield(deliveries.make(1))
        buffer.finish(throwing: Broken())
        var iterator = AMQPConsumer.AsyncIterator(AMQPConsumer.Handle(buffer))
        #expect(try await iterator.next()?.deliveryTag == 1)
        await #expect(throws: Broken.self) { try await iterator.next() }
        #expect(try await iterator.next() == nil)
    }

    @Test("a waiting iterator is woken by flush, by the threshold, and by finish")
    func wakeUps() async throws {
        let deliveries = try Deliveries()
        let buffer = DeliveryBuffer()
        let handle = AMQPConsumer.Handle(buffer)
        let reader = Task {
            var iterator = AMQPConsumer.AsyncIterator(handle)
            var tags: [UInt64] = []
            while let delivery = try await iterator.next() { tags.append(delivery.deliveryTag) }
            return tags
        }
        // One delivery and a flush (end of a read batch).
        try await Task.sleep(for: .milliseconds(20))
        _ = buffer.yield(deliveries.make(1))
        buffer.flush()
        // A burst larger than the threshold, no flush.
        try await Task.sleep(for: .milliseconds(20))
        for tag in UInt64(2)...UInt64(1 + DeliveryBuffer.wakeThreshold) { _ = buffer.yield(deliveries.make(tag)) }
        try await Task.sleep(for: .milliseconds(20))
        buffer.finish()
        let tags = try await reader.value
        #expect(tags == Array(UInt64(1)...UInt64(1 + DeliveryBuffer.wakeThreshold)))
    }

    @Test("letting go of the consumer's last handle cancels once; buffered deliveries are dropped")
    func cancelWhenReleased() throws {
        let deliveries = try Deliveries()
        let buffer = DeliveryBuffer()
        let cancels = Counter()
        buffer.onCancel { cancels.increment() }
        _ = buffer.yield(deliveries.make(1))
        do {
            let handle = AMQPConsumer.Handle(buffer)
            _ = AMQPConsumer.AsyncIterator(handle)
        }
        #expect(cancels.count == 1)
        #expect(buffer.yield(deliveries.make(2)) == .terminated)
        buffer.cancel()
        #expect(cancels.count == 1)
        // A handler set after the cancellation runs at once.
        buffer.onCancel { cancels.increment() }
        #expect(cancels.count == 2)
    }

    @Test("deliveries the application will not see are nacked with requeue; a no-ack consumer's are not")
    func givesBack() async throws {
        let deliveries = try Deliveries()
        let buffer = DeliveryBuffer()
        for tag in UInt64(1)...5 { _ = buffer.yield(deliveries.make(tag)) }
        do {
            var iterator = AMQPConsumer.AsyncIterator(AMQPConsumer.Handle(buffer))
            // Takes all five from the buffer and hands out the first; leaving drops the iterator.
            #expect(try await iterator.next()?.deliveryTag == 1)
            _ = buffer.yield(deliveries.make(6))
        }
        var commands: [Command] = []
        deliveries.core.inbox.drain(into: &commands)
        let rejected = commands.compactMap { command -> UInt64? in
            guard case .settle(_, .nack(let tag, multiple: false, requeue: true)) = command else { return nil }
            return tag
        }
        // 2-5 from the iterator, 6 from the buffer; 1 was handed out and is the application's to settle.
        #expect(rejected.sorted() == [2, 3, 4, 5, 6])

        let noAck = DeliveryBuffer(settlesDeliveries: false)
        _ = noAck.yield(deliveries.make(7))
        noAck.cancel()
        commands.removeAll()
        deliveries.core.inbox.drain(into: &commands)
        #expect(commands.isEmpty)
    }

    @Test("a finished buffer does not call the cancel handler")
    func finishedNotCancelled() {
        let buffer = DeliveryBuffer()
        let cancels = Counter()
        buffer.onCancel { cancels.increment() }
        buffer.finish()
        buffer.cancel()
        #expect(cancels.count == 0)
    }

    @Test("cancelling the waiting task ends the iteration and cancels the consumer")
    func taskCancellation() async throws {
        let buffer = DeliveryBuffer()
        let cancels = Counter()
        buffer.onCancel { cancels.increment() }
        let handle = AMQPConsumer.Handle(buffer)
        let reader = Task {
            var iterator = AMQPConsumer.AsyncIterator(handle)
            return try await iterator.next()
        }
        try await Task.sleep(for: .milliseconds(20))
        reader.cancel()
        #expect(try await reader.value == nil)
        #expect(cancels.count == 1)
    }
}
