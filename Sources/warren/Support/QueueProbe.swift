import Warren

/// Checks that a queue exists (``AMQPConnection/inspectQueue(_:)``), for commands that need it.
enum QueueProbe {
    /// Throws a one-line failure when `queue` does not exist.
    static func requireQueue(_ queue: String, on connection: AMQPConnection, hint: String) async throws {
        guard try await connection.inspectQueue(queue) != nil else {
            throw CLIFailure("queue '\(queue)' does not exist in vhost '\(connection.configuration.virtualHost)'; \(hint)")
        }
    }
}
