import Foundation
import Testing
import WarrenAMQP

/// Runs on a broker node of its own (scripts/broker-node.sh), because a memory alarm blocks every
/// publisher on the node.
@Suite("Flow control", .serialized)
struct BlockedTests {
    @Test("a memory alarm blocks publishers, calls time out and cancel, and unblocking lets them resume")
    func memoryAlarm() async throws {
        let node = PrivateBrokerNode(name: "warren-blocked", port: 5682)
        try node.start()
        defer { node.stop() }

        var configuration = try testConfiguration()
        configuration.port = node.port
        configuration.callTimeout = .seconds(2)
        let connection = try await AMQPConnection.connect(configuration)
        let channel = try await connection.openChannel()
        let queue = uniqueName("blocked")
        try await channel.queueDeclare(queue, durable: false, exclusive: true)
        try await channel.confirmSelect()
        #expect(connection.blockedState == .unblocked)

        var updates = connection.blockedStateUpdates().makeAsyncIterator()
        #expect(await updates.next() == .unblocked)

        try node.ctl("set_vm_memory_high_watermark", "0.0000001")
        // The broker blocks a connection when it next publishes.
        let blockedPublish = Task { try await channel.publish(bytes("waits"), routingKey: queue) }
        let blocked = try await withTimeLimit(.seconds(15), "connection.blocked") {
            await firstState(of: connection) { $0.isBlocked }
        }
        #expect(blocked?.isBlocked == true)
        // A subscriber from before sees the change too.
        #expect(await updates.next()?.isBlocked == true)
        #expect(connection.blockedState.isBlocked)

        // While blocked the broker reads nothing: a synchronous call times out, another is cancelled.
        let timedOut = try await #require(throws: AMQPError.self) {
            try await channel.queueDeclare(queue, passive: true)
        }
        #expect(timedOut.code == .timeout)
        let cancelled = Task { try await channel.publish(bytes("cancelled"), routingKey: queue) }
        try await Task.sleep(for: .milliseconds(100))
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }

        let waiter = Task { try await connection.waitUntilUnblocked() }
        try await Task.sleep(for: .milliseconds(200))
        try node.ctl("set_vm_memory_high_watermark", "0.4")
        #expect(await updates.next() == .unblocked)
        try await withTimeLimit(.seconds(5), "waitUntilUnblocked") { try await waiter.value }
        try await withTimeLimit(.seconds(10), "blocked publish") { try await blockedPublish.value }
        #expect(connection.isOpen)
        await connection.close()
    }
}

/// The first blocked state of the connection that satisfies `predicate`.
private func firstState(
    of connection: AMQPConnection,
    where predicate: @Sendable (AMQPBlockedState) -> Bool
) async -> AMQPBlockedState? {
    for await state in connection.blockedStateUpdates() where predicate(state) {
        return state
    }
    return nil
}

