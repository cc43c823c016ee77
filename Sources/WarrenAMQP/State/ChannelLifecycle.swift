/// The phases of one channel as the I/O thread sees them: a pure state machine, unit-tested without
/// a broker. The I/O thread reports what happened; the machine says whether the channel takes work.
///
/// ```
/// opening --open-ok--> open --close requested--> closing --close-ok--> closed
///    |                   |                          |
///    +----- broker closed the channel, or the connection ended ------> closed
/// ```
///
/// A transition that cannot happen (an `open-ok` for a channel already open: the ``CallQueue`` matches
/// `channel.open-ok` to the one `channel.open`) is a bug in the client: it asserts in debug builds and
/// leaves the phase as it was in release builds, so a surprise never crashes the host process.
struct ChannelLifecycle: Equatable {
    enum Phase: Equatable {
        /// `channel.open` sent, its reply not yet in.
        case opening
        /// Takes calls, publishes and settlements.
        case open
        /// `channel.close` sent by the client; only its `close-ok` (or a broker's close) is awaited.
        case closing
        /// Gone: closed by either side, or with its connection. Its number may be reused.
        case closed
    }

    private(set) var phase: Phase = .opening

    /// True while the channel takes new work.
    var acceptsWork: Bool { phase == .open }

    /// `channel.open-ok` arrived.
    mutating func opened() {
        guard phase == .opening else {
            assertionFailure("channel.open-ok for a channel that is \(phase)")
            return
        }
        phase = .open
    }

    /// The client sends `channel.close` (the application closes it, or nobody waits for it any more).
    /// Returns false when the channel is closed already and nothing must be sent.
    mutating func closeRequested() -> Bool {
        switch phase {
        case .opening, .open, .closing:
            phase = .closing
            return true
        case .closed:
            return false
        }
    }

    /// The channel is gone: `close-ok` arrived, the broker closed it, or the connection ended.
    mutating func finished() {
        phase = .closed
    }
}
