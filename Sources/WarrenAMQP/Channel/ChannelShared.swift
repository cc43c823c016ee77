import Synchronization

/// The part of a channel's state that Swift callers read directly: its identity and, once it is
/// closed, why. Written by the I/O thread, read by any thread.
final class ChannelShared: Sendable {
    let identity: ChannelIdentity
    private let closeReason = Mutex<AMQPError?>(nil)

    init(identity: ChannelIdentity) {
        self.identity = identity
    }

    /// Why the channel is closed, or nil while it is open.
    var closedReason: AMQPError? {
        closeReason.withLock { $0 }
    }

    /// Records the close reason; the first one wins.
    func markClosed(_ reason: AMQPError) {
        closeReason.withLock { current in
            if current == nil { current = reason }
        }
    }
}
