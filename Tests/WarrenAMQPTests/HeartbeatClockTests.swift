import Testing
@testable import WarrenAMQP

@Suite("HeartbeatClock")
struct HeartbeatClockTests {
    let start = ContinuousClock.now

    @Test("with heartbeats off nothing is ever due")
    func off() {
        let clock = HeartbeatClock(interval: .zero, now: start)
        #expect(clock.action(at: start + .seconds(3600)) == .none)
        #expect(clock.nextWakeup == nil)
    }

    @Test("an idle connection calls the library every half interval; it stays alive while bytes arrive")
    func idle() {
        var clock = HeartbeatClock(interval: .seconds(10), now: start)
        #expect(clock.action(at: start + .seconds(4)) == .none)
        #expect(clock.nextWakeup == start + .seconds(5))
        #expect(clock.action(at: start + .seconds(5)) == .callLibrary)
        clock.libraryCalled(at: start + .seconds(5))
        clock.received(at: start + .seconds(9))  // the broker's heartbeat
        #expect(clock.nextWakeup == start + .seconds(10))
        #expect(clock.action(at: start + .seconds(10)) == .callLibrary)
        clock.libraryCalled(at: start + .seconds(10))
        // Silent since the heartbeat at 9 s: gone at 29 s, not before.
        #expect(clock.action(at: start + .seconds(28)) == .callLibrary)
        #expect(clock.action(at: start + .seconds(29)) == .peerSilent)
    }

    /// The defect this clock fixes: a loop that counted only from its last library call never read
    /// while a producer kept writing, and noticed a stalled broker only when the writes stopped.
    @Test("a connection that writes all the time still notices, two intervals after the last byte arrived, that nothing comes")
    func writingDoesNotHideSilence() {
        var clock = HeartbeatClock(interval: .seconds(5), now: start)
        clock.received(at: start + .seconds(1))
        var now = start + .seconds(1)
        var detected: Duration?
        // A publish every millisecond: a library call each time, and nothing received.
        while now < start + .seconds(60) {
            now += .milliseconds(1)
            clock.libraryCalled(at: now)
            if clock.action(at: now) == .peerSilent {
                detected = now - (start + .seconds(1))
                break
            }
            #expect(clock.action(at: now) == .none)
        }
        #expect(detected == .seconds(10))
        #expect(clock.nextWakeup == start + .seconds(11))
    }

    @Test("times never go backwards: an older event does not move a deadline earlier")
    func monotonic() {
        var clock = HeartbeatClock(interval: .seconds(2), now: start + .seconds(3))
        clock.received(at: start)
        clock.libraryCalled(at: start)
        #expect(clock.lastReceived == start + .seconds(3))
        #expect(clock.lastLibraryCall == start + .seconds(3))
        #expect(clock.silenceLimit == .seconds(4))
    }
}

extension HeartbeatClockTests {
    @Test("when rabbitmq-c saw bytes the clock did not, it looks again a fortieth of an interval later, not at once")
    func libraryFoundTraffic() {
        var clock = HeartbeatClock(interval: .seconds(4), now: start)
        #expect(clock.action(at: start + .seconds(8)) == .peerSilent)
        clock.libraryCalled(at: start + .seconds(8))
        clock.libraryFoundTraffic(at: start + .seconds(8))
        #expect(clock.action(at: start + .seconds(8)) == .none)
        #expect(clock.nextWakeup == start + .milliseconds(8100))
        #expect(clock.action(at: start + .milliseconds(8100)) == .peerSilent)
    }
}
