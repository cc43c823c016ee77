import Foundation
import Synchronization
import Testing
@testable import WarrenAMQP

/// A publish made while the connection's I/O thread sleeps is written by the caller's own thread
/// (`DriverLock`, `IODriver.executeForCaller`); the rest still goes through the inbox. These tests
/// check that the path is taken, and that mixing both paths loses, reorders and hangs nothing.
@Suite("Publishing from the caller's thread")
struct CallerThreadPublishTests {
    /// Commands callers executed on their own threads so far on `connection`.
    private func callerThreadExecutions(_ connection: AMQPConnection) -> Int {
        connection.core.driverLock.callerThreadExecutions.load(ordering: .relaxed)
    }

    @Test("publishes on an idle connection are written by the caller and confirmed")
    func idleConnection() async throws {
        let queue = uniqueName("caller-thread")
        try await withTestChannel(queues: [queue]) { connection, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.confirmSelect()
            let before = callerThreadExecutions(connection)
            for index in 0..<10 {
                // Long enough for the I/O thread to go back to sleep after the previous confirm.
                try await Task.sleep(for: .milliseconds(20))
                try await channel.publish(bytes("message \(index)"), routingKey: queue, mandatory: true)
            }
            let taken = callerThreadExecutions(connection) - before
            // A heartbeat or a late confirm may keep the I/O thread awake for one of them, not for most.
            #expect(taken >= 8, "only \(taken) of 10 publishes were written by the caller's thread")
            let declared = try await channel.queueDeclare(queue, passive: true)
            #expect(declared.messageCount == 10)
        }
    }

    @Test("a publish larger than the caller's limit goes to the I/O thread")
    func largePublishUsesTheIOThread() async throws {
        let queue = uniqueName("caller-thread-large")
        try await withTestChannel(queues: [queue]) { connection, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.confirmSelect()
            try await Task.sleep(for: .milliseconds(20))
            let before = callerThreadExecutions(connection)
            let body = [UInt8](repeating: 7, count: IODriver.callerThreadPublishLimit + 1)
            try await channel.publish(body, routingKey: queue)
            #expect(callerThreadExecutions(connection) == before)
            let consumer = try await channel.consume(queue: queue, noAck: true)
            let received = try await collect(1, from: consumer)
            #expect(received.first?.body == body)
        }
    }

    @Test("a caller never executes commands others left in the inbox: with one waiting, its publish goes there too")
    func callerWritesOnlyItsOwnCommand() async throws {
        let queue = uniqueName("caller-thread-own")
        var configuration = try testConfiguration()
        configuration.heartbeat = .zero  // nothing wakes the I/O thread but the test
        try await withTestChannel(queues: [queue], configuration: configuration) { connection, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.confirmSelect()
            try await Task.sleep(for: .milliseconds(50))
            let identity = channel.shared.identity
            let message = AMQPOutboundMessage(body: bytes("batch"), routingKey: queue)
            // A batch queued without waking the I/O thread, as another task's submit would be in the
            // moment before the thread wakes.
            let batch = Promise<Void>()
            _ = connection.core.inbox.submit(.publish(identity, [message, message, message], batch), wakeIOThread: false)
            let single = Promise<Void>()
            let own = Command.publishOne(identity, AMQPOutboundMessage(body: bytes("own"), routingKey: queue), single)
            let executed = connection.core.driverLock.withIdleDriver { $0.executeForCaller(own) }
            #expect(executed == false, "the caller's thread executed the inbox's batch with its own publish")
            if executed != true { _ = connection.core.inbox.submit(own) }
            try await batch.wait()
            try await single.wait()
            #expect(try await channel.queueDeclare(queue, passive: true).messageCount == 4)
        }
    }

    @Test("concurrent publishers on both paths keep each publisher's order and lose nothing")
    func orderAcrossPaths() async throws {
        let queue = uniqueName("caller-thread-order")
        let publishers = 8
        let perPublisher = 250
        try await withTestChannel(queues: [queue]) { connection, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            let before = callerThreadExecutions(connection)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for publisher in 0..<publishers {
                    group.addTask {
                        for index in 0..<perPublisher {
                            // Without confirm mode each publish returns once written: the next one
                            // of this publisher is submitted after it, by whichever path.
                            try await channel.publish(bytes("\(publisher) \(index)"), routingKey: queue)
                            if index % 50 == 0 { try await Task.sleep(for: .milliseconds(5)) }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(callerThreadExecutions(connection) > before)
            let consumer = try await channel.consume(queue: queue, noAck: true)
            let received = try await collect(publishers * perPublisher, from: consumer, within: .seconds(30))
            var next = [Int](repeating: 0, count: publishers)
            for delivery in received {
                let parts = String(decoding: delivery.body, as: UTF8.self).split(separator: " ").compactMap { Int($0) }
                try #require(parts.count == 2)
                #expect(parts[1] == next[parts[0]], "publisher \(parts[0]): got \(parts[1]), expected \(next[parts[0]])")
                next[parts[0]] = parts[1] + 1
            }
            #expect(next == [Int](repeating: perPublisher, count: publishers))
        }
    }

    @Test("closing the connection while publishers race on both paths ends every publish")
    func closeWhilePublishing() async throws {
        let queue = uniqueName("caller-thread-close")
        let connection = try await AMQPConnection.connect(try testConfiguration())
        let channel = try await connection.openChannel()
        try await channel.queueDeclare(queue, durable: false, exclusive: true, arguments: ["x-expires": .int32(60_000)])
        try await channel.confirmSelect()
        let confirmed = ConfirmCount()
        let outcomes = try await withTimeLimit(.seconds(30), "publishers ending after the close") {
            try await withThrowingTaskGroup(of: AMQPError?.self) { group in
                for publisher in 0..<16 {
                    group.addTask {
                        // Bounded: at most 2,000 publishes each, if the close never came.
                        for index in 0..<2_000 {
                            do {
                                try await channel.publish(bytes("\(publisher) \(index)"), routingKey: queue)
                                confirmed.value.add(1, ordering: .relaxed)
                            } catch let error as AMQPError {
                                return error
                            }
                        }
                        return nil
                    }
                }
                while confirmed.value.load(ordering: .relaxed) < 300 { try await Task.sleep(for: .milliseconds(2)) }
                await connection.close()
                var outcomes: [AMQPError?] = []
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
        }
        #expect(outcomes.count == 16)
        for case let error? in outcomes {
            #expect([.connectionClosed, .channelClosed].contains(error.code), "unexpected: \(error)")
        }
        #expect(!connection.isOpen)
        // A publish after the close fails at once instead of waiting.
        await #expect(throws: AMQPError.self) { try await channel.publish(bytes("late"), routingKey: queue) }
        let cleaner = try await AMQPConnection.connect(try testConfiguration())
        _ = try? await cleaner.openChannel().queueDelete(queue)
        await cleaner.close()
    }
}

/// Publishes confirmed so far, shared by the publishing tasks.
private final class ConfirmCount: Sendable {
    let value = Atomic<Int>(0)
}
