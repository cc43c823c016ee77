import Testing
@testable import WarrenAMQP

/// `ConfirmTracker` with plain strings as completions, so the settled publishes can be compared.
private typealias Tracker = ConfirmTracker<String>

/// A comparable summary of one settled publish.
private enum Settled: Equatable {
    case confirmed(String)
    case nacked(String)
    case returned(String, Tracker.ReturnReason)
}

private func summarize(_ settled: [(String, Tracker.Outcome)]) -> [Settled] {
    settled.map { completion, outcome in
        switch outcome {
        case .confirmed: .confirmed(completion)
        case .nacked: .nacked(completion)
        case .returned(let reason): .returned(completion, reason)
        }
    }
}

/// A tracker with `count` publishes registered as "p1", "p2", ….
private func tracker(with count: Int) -> Tracker {
    var tracker = Tracker()
    for index in 1...count {
        _ = tracker.register("p\(index)")
    }
    return tracker
}

private let noRoute = Tracker.ReturnReason(
    replyCode: 312, replyText: "NO_ROUTE", exchange: "events", routingKey: "nowhere"
)

@Suite("ConfirmTracker")
struct ConfirmTrackerTests {
    /// `markReturned` outside `#expect`, which cannot call a mutating method itself.
    private static func mark(_ tracker: inout Tracker, _ sequence: UInt64, reason: Tracker.ReturnReason) -> Bool {
        tracker.markReturned(sequence, reason: reason)
    }

    @Test("sequence numbers start at 1 and increase by one per publish")
    func sequenceNumbering() {
        var tracker = Tracker()
        #expect(tracker.nextSequence == 1)
        #expect(tracker.register("a") == 1)
        #expect(tracker.register("b") == 2)
        #expect(tracker.register("c") == 3)
        #expect(tracker.nextSequence == 4)
        #expect(tracker.outstanding == 3)
    }

    @Test("sequence numbers keep counting after publishes are settled")
    func numberingIsNotReused() {
        var tracker = tracker(with: 2)
        _ = tracker.ack(2, multiple: true)
        #expect(tracker.outstanding == 0)
        #expect(tracker.register("p3") == 3)
    }

    @Test("a single ack settles only its own tag")
    func singleAck() {
        var tracker = tracker(with: 3)
        #expect(summarize(tracker.ack(2, multiple: false)) == [.confirmed("p2")])
        #expect(tracker.outstanding == 2)
        #expect(summarize(tracker.ack(1, multiple: false)) == [.confirmed("p1")])
        #expect(summarize(tracker.ack(3, multiple: false)) == [.confirmed("p3")])
        #expect(tracker.outstanding == 0)
    }

    @Test("a multiple ack settles every outstanding tag up to and including it, in order")
    func multipleAck() {
        var tracker = tracker(with: 5)
        #expect(summarize(tracker.ack(3, multiple: true)) == [.confirmed("p1"), .confirmed("p2"), .confirmed("p3")])
        #expect(tracker.outstanding == 2)
        #expect(summarize(tracker.ack(5, multiple: true)) == [.confirmed("p4"), .confirmed("p5")])
        #expect(tracker.outstanding == 0)
    }

    @Test("a multiple ack skips tags that were already settled one by one")
    func multipleAckAfterSingleAcks() {
        var tracker = tracker(with: 4)
        _ = tracker.ack(2, multiple: false)
        #expect(summarize(tracker.ack(3, multiple: true)) == [.confirmed("p1"), .confirmed("p3")])
        #expect(tracker.outstanding == 1)
    }

    @Test("a single nack settles only its own tag, as nacked")
    func singleNack() {
        var tracker = tracker(with: 3)
        #expect(summarize(tracker.nack(2, multiple: false)) == [.nacked("p2")])
        #expect(tracker.outstanding == 2)
        #expect(summarize(tracker.ack(3, multiple: true)) == [.confirmed("p1"), .confirmed("p3")])
    }

    @Test("a multiple nack settles every outstanding tag up to and including it, as nacked")
    func multipleNack() {
        var tracker = tracker(with: 4)
        #expect(summarize(tracker.nack(3, multiple: true)) == [.nacked("p1"), .nacked("p2"), .nacked("p3")])
        #expect(tracker.outstanding == 1)
        #expect(summarize(tracker.ack(4, multiple: false)) == [.confirmed("p4")])
    }

    @Test("an ack or nack for an unknown tag settles nothing", arguments: [false, true])
    func unknownTag(multiple: Bool) {
        var tracker = tracker(with: 2)
        // Tags above everything registered: a single ack finds nothing.
        if !multiple {
            #expect(tracker.ack(7, multiple: false).isEmpty)
            #expect(tracker.nack(7, multiple: false).isEmpty)
        }
        // Tag 0 is below every sequence number, with or without `multiple`.
        #expect(tracker.ack(0, multiple: multiple).isEmpty)
        #expect(tracker.nack(0, multiple: multiple).isEmpty)
        #expect(tracker.outstanding == 2)
    }

    @Test("an ack or nack for an already settled tag settles nothing")
    func alreadySettledTag() {
        var tracker = tracker(with: 3)
        #expect(tracker.ack(2, multiple: false).count == 1)
        #expect(tracker.ack(2, multiple: false).isEmpty)
        #expect(tracker.nack(2, multiple: false).isEmpty)
        #expect(tracker.ack(1, multiple: true).count == 1)
        #expect(tracker.ack(1, multiple: true).isEmpty)
        #expect(tracker.ack(2, multiple: true).isEmpty)
        #expect(tracker.outstanding == 1)
    }

    @Test("single acks out of order each settle exactly their own publish")
    func outOfOrderSingleAcks() {
        var tracker = tracker(with: 6)
        var settled: [Settled] = []
        for tag: UInt64 in [4, 1, 6, 3, 5, 2] {
            let result = summarize(tracker.ack(tag, multiple: false))
            #expect(result == [.confirmed("p\(tag)")])
            settled += result
        }
        #expect(settled.count == 6)
        #expect(tracker.outstanding == 0)
    }

    @Test("a returned publish is settled as returned, with the reason, by its later ack")
    func returnedThenAcked() {
        var tracker = tracker(with: 3)
        #expect(Self.mark(&tracker, 2, reason: noRoute))
        // Being returned does not settle anything by itself.
        #expect(tracker.outstanding == 3)
        #expect(
            summarize(tracker.ack(3, multiple: true))
                == [.confirmed("p1"), .returned("p2", noRoute), .confirmed("p3")]
        )
    }

    @Test("a returned publish acked on its own tag is settled as returned")
    func returnedThenSingleAck() {
        var tracker = tracker(with: 2)
        #expect(Self.mark(&tracker, 1, reason: noRoute))
        #expect(summarize(tracker.ack(1, multiple: false)) == [.returned("p1", noRoute)])
        #expect(tracker.outstanding == 1)
    }

    @Test("a nack wins over an earlier return")
    func returnedThenNacked() {
        var tracker = tracker(with: 1)
        #expect(Self.mark(&tracker, 1, reason: noRoute))
        #expect(summarize(tracker.nack(1, multiple: false)) == [.nacked("p1")])
    }

    @Test("markReturned of a sequence number that is not outstanding returns false and changes nothing")
    func markReturnedUnknown() {
        var tracker = tracker(with: 3)
        #expect(!Self.mark(&tracker, 0, reason: noRoute))
        #expect(!Self.mark(&tracker, 4, reason: noRoute))
        _ = tracker.ack(2, multiple: false)
        #expect(!Self.mark(&tracker, 2, reason: noRoute))
        #expect(
            summarize(tracker.ack(3, multiple: true)) == [.confirmed("p1"), .confirmed("p3")]
        )
    }

    @Test("removeAll hands back every outstanding completion in order and empties the tracker")
    func removeAll() {
        var tracker = tracker(with: 4)
        _ = tracker.ack(2, multiple: false)
        #expect(tracker.removeAll() == ["p1", "p3", "p4"])
        #expect(tracker.outstanding == 0)
        #expect(tracker.removeAll().isEmpty)
        #expect(tracker.ack(4, multiple: true).isEmpty)
        // Numbering continues: the broker's counter does not restart on the same channel.
        #expect(tracker.register("p5") == 5)
    }

    @Test("outstanding counts registered publishes minus settled ones")
    func outstandingCount() {
        var tracker = Tracker()
        #expect(tracker.outstanding == 0)
        for index in 1...10 {
            _ = tracker.register("p\(index)")
            #expect(tracker.outstanding == index)
        }
        _ = tracker.ack(3, multiple: true)
        #expect(tracker.outstanding == 7)
        _ = tracker.nack(7, multiple: false)
        #expect(tracker.outstanding == 6)
        _ = tracker.ack(7, multiple: false)
        #expect(tracker.outstanding == 6)
        _ = tracker.ack(10, multiple: true)
        #expect(tracker.outstanding == 0)
    }

    @Test("lookups stay correct with many outstanding publishes and gaps")
    func manyOutstanding() {
        var tracker = tracker(with: 1000)
        // Settle every odd tag one by one, then the rest at once.
        for tag in stride(from: UInt64(1), through: 999, by: 2) {
            #expect(summarize(tracker.ack(tag, multiple: false)) == [.confirmed("p\(tag)")])
        }
        #expect(tracker.outstanding == 500)
        #expect(Self.mark(&tracker, 500, reason: noRoute))
        #expect(!Self.mark(&tracker, 501, reason: noRoute))
        let rest = summarize(tracker.ack(1000, multiple: true))
        #expect(rest.count == 500)
        #expect(rest.first == .confirmed("p2"))
        #expect(rest[249] == .returned("p500", noRoute))
        #expect(rest.last == .confirmed("p1000"))
    }
}
