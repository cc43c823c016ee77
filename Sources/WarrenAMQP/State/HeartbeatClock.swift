/// When the I/O thread must call rabbitmq-c for heartbeats, and when the broker counts as gone.
///
/// rabbitmq-c sends a heartbeat, and checks for a silent broker, only inside a library call, so the
/// loop calls it at least every half interval. That alone does not find a silent broker in time: a
/// connection that keeps writing (a producer publishing into a stalled network) calls the library all
/// the time without ever reading, and rabbitmq-c checks its receive deadline only in a read. So the
/// clock keeps the receive deadline too: two intervals after the last byte it knows of arrived (the
/// broker sends a heartbeat about every half interval when it has nothing else to send), the loop
/// reads, whatever it was doing meanwhile, and rabbitmq-c, which counts from the same bytes, reports
/// the timeout. rabbitmq-c may have read a few bytes the clock did not see (inside a send that found
/// the socket full), or read the same bytes a moment after the clock noted them; when it says the
/// broker is alive, ``libraryFoundTraffic(at:)`` checks again a fortieth of an interval later.
///
/// A pure value: the loop tells it what happened and asks what to do.
struct HeartbeatClock {
    /// What the loop must do now.
    enum Action: Equatable {
        /// Nothing until ``nextWakeup``.
        case none
        /// Call the library (a zero-timeout read) so that it sends a heartbeat if one is due.
        case callLibrary
        /// Nothing arrived for two intervals as far as the clock knows: read now, and rabbitmq-c ends
        /// the connection with a heartbeat timeout (or, having seen bytes, goes on).
        case peerSilent
    }

    /// The negotiated heartbeat interval; zero: heartbeats are off and nothing is ever due.
    let interval: Duration
    private(set) var lastLibraryCall: ContinuousClock.Instant
    private(set) var lastReceived: ContinuousClock.Instant

    /// A clock for a connection that just received the broker's handshake at `now`.
    init(interval: Duration, now: ContinuousClock.Instant) {
        self.interval = interval
        self.lastLibraryCall = now
        self.lastReceived = now
    }

    /// How long nothing may arrive before the broker counts as gone.
    var silenceLimit: Duration { interval * 2 }

    /// The loop called into rabbitmq-c (a send or a read), which sends a heartbeat when one is due.
    mutating func libraryCalled(at now: ContinuousClock.Instant) {
        lastLibraryCall = max(lastLibraryCall, now)
    }

    /// Bytes arrived from the broker (the socket was readable).
    mutating func received(at now: ContinuousClock.Instant) {
        lastReceived = max(lastReceived, now)
    }

    /// A read at a ``Action/peerSilent`` did not time out: rabbitmq-c received something the clock
    /// did not see, or saw it a moment later. Look again a fortieth of an interval later (50 ms at
    /// 2 s), rather than at once.
    mutating func libraryFoundTraffic(at now: ContinuousClock.Instant) {
        lastReceived = max(lastReceived, now - silenceLimit + interval / 40)
    }

    /// What is due at `now`. A silent peer comes first.
    func action(at now: ContinuousClock.Instant) -> Action {
        guard interval > .zero else { return .none }
        if now - lastReceived >= silenceLimit { return .peerSilent }
        if now - lastLibraryCall >= interval / 2 { return .callLibrary }
        return .none
    }

    /// When ``action(at:)`` next has something to do, if the loop learns nothing new before; nil when
    /// heartbeats are off.
    var nextWakeup: ContinuousClock.Instant? {
        guard interval > .zero else { return nil }
        return min(lastLibraryCall + interval / 2, lastReceived + silenceLimit)
    }
}
