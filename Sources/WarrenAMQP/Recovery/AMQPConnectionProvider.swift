/// Something that hands out an open connection: a fixed ``AMQPConnection``, or a
/// ``ReconnectingConnection`` that replaces a lost one.
public protocol AMQPConnectionProvider: Sendable {
    /// An open connection. A provider that recovers waits (bounded) for a new one after a loss.
    func connection() async throws -> AMQPConnection
}

extension AMQPConnection: AMQPConnectionProvider {
    /// This connection, while it is open; otherwise throws why it closed.
    public func connection() async throws -> AMQPConnection {
        if let reason = core.closeSignal.reason { throw reason }
        return self
    }
}
