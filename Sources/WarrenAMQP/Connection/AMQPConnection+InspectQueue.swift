extension AMQPConnection {
    /// A queue's ready messages and consumers, read with a passive `queue.declare` (which never creates
    /// it) on a channel of its own; nil when the queue does not exist.
    ///
    /// A 404 closes the channel it arrives on, which is why each call opens one.
    /// - Throws: ``AMQPError`` for anything but the queue's absence.
    public func inspectQueue(_ name: String) async throws -> AMQPQueueDeclareResult? {
        do {
            return try await withChannel { channel in try await channel.queueDeclare(name, passive: true) }
        } catch let error as AMQPError where error.code == .channelClosed && error.replyCode == 404 {
            return nil
        }
    }
}
