import Warren

/// Reads a queue's counts with a passive `queue.declare`, which never creates it.
enum QueueProbe {
    /// A queue's ready messages and consumers, or nil when it does not exist.
    static func counts(_ queue: String, on connection: AMQPConnection) async throws -> AMQPQueueDeclareResult? {
        do {
            // A 404 closes the channel: use one per probe.
            return try await connection.withChannel { channel in
                try await channel.queueDeclare(queue, passive: true)
            }
        } catch let error as AMQPError where error.code == .channelClosed && error.replyCode == 404 {
            return nil
        }
    }

    /// Throws a one-line failure when `queue` does not exist.
    static func requireQueue(_ queue: String, on connection: AMQPConnection, hint: String) async throws {
        guard try await counts(queue, on: connection) != nil else {
            throw CLIFailure("queue '\(queue)' does not exist in vhost '\(connection.configuration.virtualHost)'; \(hint)")
        }
    }
}
