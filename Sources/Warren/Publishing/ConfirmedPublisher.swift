import Synchronization
import WarrenAMQP

/// Publishes with publisher confirms on a channel of its own, opening a fresh channel when the broker
/// closed the previous one (a channel error such as a 404 must not poison later publishes).
final class ConfirmedPublisher: Sendable {
    let connection: AMQPConnection
    private let maxOutstanding: Int
    private let channel = Mutex<AMQPChannel?>(nil)
    /// Serializes opening, so concurrent first publishes share one channel.
    private let opening = Mutex<Task<AMQPChannel, any Error>?>(nil)

    init(connection: AMQPConnection, maxOutstanding: Int) {
        self.connection = connection
        self.maxOutstanding = maxOutstanding
    }

    /// Publishes one message and waits for its confirm.
    func publish(_ message: AMQPOutboundMessage) async throws {
        let channel = try await currentChannel()
        try await channel.publish(message)
    }

    /// Publishes messages in one hand-over and waits for every confirm.
    func publish(_ messages: [AMQPOutboundMessage]) async throws {
        let channel = try await currentChannel()
        try await channel.publish(messages)
    }

    /// Runs `body` on the current channel (for declarations that belong with publishing).
    func withChannel<Result: Sendable>(_ body: (AMQPChannel) async throws -> Result) async throws -> Result {
        try await body(try await currentChannel())
    }

    private func currentChannel() async throws -> AMQPChannel {
        if let open = channel.withLock({ $0 }), open.isOpen { return open }
        let task: Task<AMQPChannel, any Error> = opening.withLock { opening in
            if let pending = opening { return pending }
            let connection = self.connection
            let maxOutstanding = self.maxOutstanding
            let task = Task {
                let fresh = try await connection.openChannel()
                try await fresh.confirmSelect(maxOutstanding: maxOutstanding)
                return fresh
            }
            opening = task
            return task
        }
        do {
            let fresh = try await task.value
            channel.withLock { current in
                if current == nil || current?.isOpen == false { current = fresh }
            }
            opening.withLock { if $0 == task { $0 = nil } }
            return channel.withLock { $0 } ?? fresh
        } catch {
            opening.withLock { if $0 == task { $0 = nil } }
            throw error
        }
    }
}
