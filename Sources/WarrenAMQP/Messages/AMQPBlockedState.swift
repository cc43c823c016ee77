/// Whether the broker is blocking publishers on a connection (`connection.blocked` /
/// `connection.unblocked`), which it does when a resource alarm fires (memory or disk).
///
/// While blocked, the broker stops reading from the connection: publishes pile up in socket buffers
/// and in memory. Publishers should wait with ``AMQPConnection/waitUntilUnblocked()``.
public enum AMQPBlockedState: Sendable, Hashable {
    /// Publishing is allowed.
    case unblocked
    /// The broker blocked publishing; the reason is the broker's text, e.g. `low on memory`.
    case blocked(reason: String)

    /// True when blocked.
    public var isBlocked: Bool {
        if case .blocked = self { return true }
        return false
    }
}
