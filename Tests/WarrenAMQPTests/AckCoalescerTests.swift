import Testing
import WarrenTestSupport
@testable import WarrenAMQP

/// What the broker knows: the unsettled delivery tags of one channel. Applies settlements as
/// AMQP 0-9-1 defines them and records a settlement of a tag it does not know (a channel error).
private struct BrokerModel {
    var unsettled: Set<UInt64> = []
    var unknownTags: [UInt64] = []

    mutating func apply(_ settlement: Settlement) {
        switch settlement {
        case .ack(let tag, let multiple), .nack(let tag, let multiple, _):
            if multiple {
                guard unsettled.contains(tag) else { unknownTags.append(tag); return }
                unsettled = unsettled.filter { $0 > tag }
            } else if unsettled.remove(tag) == nil {
                unknownTags.append(tag)
            }
        case .reject(let tag, _):
            if unsettled.remove(tag) == nil { unknownTags.append(tag) }
        }
    }
}

@Suite("AckCoalescer")
struct AckCoalescerTests {
    @Test("in-order acks of a batch become one multiple ack")
    func inOrder() {
        var coalescer = AckCoalescer()
        for tag in UInt64(1)...256 { coalescer.delivered(tag) }
        for tag in UInt64(1)...100 { coalescer.queueAck(tag) }
        #expect(coalescer.takeAcks() == [.ack(100, multiple: true)])
        #expect(coalescer.unsettledTags.first == 101)
        #expect(!coalescer.hasQueuedAcks)
    }

    @Test("a single ack stays single")
    func single() {
        var coalescer = AckCoalescer()
        for tag in UInt64(1)...3 { coalescer.delivered(tag) }
        coalescer.queueAck(1)
        #expect(coalescer.takeAcks() == [.ack(1, multiple: false)])
    }

    @Test("acks behind a gap go singly, and join a multiple ack once the gap closes")
    func gap() {
        var coalescer = AckCoalescer()
        for tag in UInt64(1)...6 { coalescer.delivered(tag) }
        for tag: UInt64 in [5, 1, 2, 4] { coalescer.queueAck(tag) }
        // 3 is still running: 1 and 2 coalesce, 4 and 5 go singly.
        #expect(coalescer.takeAcks() == [.ack(2, multiple: true), .ack(4, multiple: false), .ack(5, multiple: false)])
        coalescer.queueAck(3)
        coalescer.queueAck(6)
        // 4 and 5 were settled already: the multiple ack up to 6 covers 3 and 6 only (as the broker sees it).
        #expect(coalescer.takeAcks() == [.ack(6, multiple: true)])
        #expect(coalescer.unsettledTags.isEmpty)
    }

    @Test("a nack in the middle ends the run of a multiple ack")
    func nackInMiddle() {
        var coalescer = AckCoalescer()
        for tag in UInt64(1)...4 { coalescer.delivered(tag) }
        coalescer.settled(2, multiple: false)  // nacked
        coalescer.queueAck(1)
        coalescer.queueAck(3)
        coalescer.queueAck(4)
        #expect(coalescer.takeAcks() == [.ack(4, multiple: true)])
        #expect(coalescer.unsettledTags.isEmpty)
    }

    @Test("a delivery never settled holds back coalescing, not memory")
    func stuckFront() {
        var coalescer = AckCoalescer()
        for tag in UInt64(1)...10_000 {
            coalescer.delivered(tag)
            if tag > 1 {
                coalescer.queueAck(tag)
                #expect(coalescer.takeAcks() == [.ack(tag, multiple: false)])
            }
        }
        // Only the one the application kept is remembered, as at the broker.
        #expect(coalescer.unsettledTags == [1])
        coalescer.queueAck(1)
        #expect(coalescer.takeAcks() == [.ack(1, multiple: false)])
        #expect(coalescer.unsettledTags.isEmpty)
    }

    @Test("an ack for an unknown tag is passed on as it is")
    func unknownTag() {
        var coalescer = AckCoalescer()
        coalescer.delivered(5)
        coalescer.queueAck(3)
        coalescer.queueAck(5)
        #expect(coalescer.takeAcks() == [.ack(3, multiple: false), .ack(5, multiple: false)])
    }

    @Test("random settlements: the broker ends in the same state as with every settlement sent as asked", arguments: 0..<40)
    func randomized(seed: Int) {
        var random = SplitMix64(state: UInt64(seed) &* 7919)
        var coalescer = AckCoalescer()
        var viaCoalescer = BrokerModel()
        var direct = BrokerModel()
        var outstanding: [UInt64] = []  // handed out, not settled by the application yet
        var nextTag: UInt64 = 1
        var appAcks = 0
        var ackFrames = 0

        func flush() {
            for frame in coalescer.takeAcks() {
                ackFrames += 1
                viaCoalescer.apply(frame)
            }
        }
        for _ in 0..<60 {
            // The broker delivers a few messages.
            for _ in 0..<Int.random(in: 0...8, using: &random) {
                coalescer.delivered(nextTag)
                viaCoalescer.unsettled.insert(nextTag)
                direct.unsettled.insert(nextTag)
                outstanding.append(nextTag)
                nextTag += 1
            }
            // The application settles some, in any order; the I/O thread then sends what it coalesced.
            for _ in 0..<Int.random(in: 0...10, using: &random) where !outstanding.isEmpty {
                let index = Int.random(in: 0..<outstanding.count, using: &random)
                let tag = outstanding[index]
                let settlement: Settlement
                switch Int.random(in: 0..<20, using: &random) {
                case 0: settlement = .nack(tag, multiple: false, requeue: true)
                case 1: settlement = .reject(tag, requeue: false)
                case 2: settlement = .ack(tag, multiple: true)
                default: settlement = .ack(tag, multiple: false)
                }
                direct.apply(settlement)
                if case .ack(_, multiple: true) = settlement {
                    outstanding.removeAll { $0 <= tag }
                } else {
                    outstanding.remove(at: index)
                }
                if case .ack(let tag, multiple: false) = settlement {
                    appAcks += 1
                    coalescer.queueAck(tag)
                } else {
                    flush()  // as the I/O thread does before any other settlement
                    switch settlement {
                    case .ack(let tag, let multiple), .nack(let tag, let multiple, _): coalescer.settled(tag, multiple: multiple)
                    case .reject(let tag, _): coalescer.settled(tag, multiple: false)
                    }
                    viaCoalescer.apply(settlement)
                }
            }
            flush()
            #expect(viaCoalescer.unsettled == direct.unsettled, "seed \(seed)")
            #expect(viaCoalescer.unknownTags.isEmpty, "seed \(seed)")
            #expect(Set(coalescer.unsettledTags) == Set(outstanding), "seed \(seed)")
        }
        #expect(direct.unknownTags.isEmpty)
        #expect(ackFrames <= appAcks)
    }
}
