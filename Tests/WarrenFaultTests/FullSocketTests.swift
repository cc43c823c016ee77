import Foundation
import Synchronization
import Testing
import Warren

/// A publish made while the connection's I/O thread sleeps is written by the caller's own thread,
/// but only while the socket has room: a caller's thread belongs to the shared pool and must never
/// sit in a write that a stalled broker does not read. Through a stalled proxy the socket fills up;
/// the publisher must then wait suspended (cancellable), the I/O thread doing the blocked write.
@Suite("Fault: a full socket", .serialized, .timeLimit(.minutes(2)))
struct FullSocketTests {
    @Test("a publisher facing a full socket waits suspended and can be cancelled; its thread never blocks in the write")
    func fullSocketKeepsPublishersCancellable() async throws {
        let broker = try ProxyScenario.broker()
        let queue = TaskQueue(uniqueName("full-socket"))
        try await ProxyScenario.withProxyAndQueue(broker: broker, queue: queue) { proxy, _ in
            let amqp = ProxyScenario.viaProxy(broker, proxy: proxy, heartbeat: .seconds(30), name: "full-socket")
            let connection = try await AMQPConnection.connect(amqp)
            let channel = try await connection.openChannel()
            try await proxy.stall()

            let written = WriteCount()
            let body = [UInt8](repeating: 0x61, count: 16 * 1024)
            let publisher = Task {
                defer { written.ended.store(true, ordering: .relaxed) }
                // Bounded: 4,096 × 16 KiB = 64 MiB, several times what the stalled path can buffer.
                for _ in 0..<4_096 {
                    try await channel.publish(body, routingKey: queue.name)
                    written.value.add(1, ordering: .relaxed)
                }
            }
            // The writes stop once the client's send buffer and the proxy's receive buffer are full.
            var previous = -1
            var steady = 0
            let deadline = ContinuousClock.now + .seconds(30)
            while steady < 3 {
                try #require(ContinuousClock.now < deadline, "the publishes never stopped: the stall did not fill the socket")
                try await Task.sleep(for: .milliseconds(200))
                let now = written.value.load(ordering: .relaxed)
                steady = now == previous ? steady + 1 : 0
                previous = now
            }
            #expect(previous > 16, "only \(previous) publishes were written before the socket filled")

            publisher.cancel()
            // Polled, not awaited: a publisher stuck in a write could not be awaited within a limit.
            let endedWhenCancelled = (try? await waitUntil("the cancelled publisher ending", within: .seconds(5)) {
                written.ended.load(ordering: .relaxed)
            }) != nil

            // Reset the stalled connection: the blocked write fails (whichever thread is in it) and the
            // connection ends.
            _ = try await proxy.cut()
            let outcome = try await withTimeLimit(.seconds(30), "the publisher ending after the reset") { await publisher.result }
            #expect(endedWhenCancelled, "the publisher did not end within 5 s of its cancellation: its thread is blocked in a write")
            #expect(throws: CancellationError.self) { try outcome.get() }
            try await withTimeLimit(.seconds(10), "closing the reset connection") { await connection.close() }
        }
    }
}

/// Publishes written so far and whether the publisher ended, shared with the publishing task.
private final class WriteCount: Sendable {
    let value = Atomic<Int>(0)
    /// Set when the publishing task ends, however.
    let ended = Atomic<Bool>(false)
}
