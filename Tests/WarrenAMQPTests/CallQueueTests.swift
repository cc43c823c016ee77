import Testing
@testable import WarrenAMQP

@Suite("CallQueue")
struct CallQueueTests {
    // Method ids as the tests use them: any distinct numbers do.
    let declareOK: UInt32 = 1
    let consumeOK: UInt32 = 2
    let getOK: UInt32 = 3
    let getEmpty: UInt32 = 4
    let closeOK: UInt32 = 5
    let start = ContinuousClock.now

    func completed(_ action: CallQueue<String>.ReplyAction) -> (call: String, next: String?)? {
        guard case .complete(let entry, let next) = action else { return nil }
        return (entry.call, next?.call)
    }

    @Test("the first call is sent at once; a second waits until the first is answered, then is sent")
    func oneOnTheWire() {
        var queue = CallQueue<String>()
        #expect(queue.submit("consume", expecting: [consumeOK], deadline: start + .seconds(5)) == .send)
        #expect(queue.submit("declare", expecting: [declareOK], deadline: start + .seconds(5)) == .wait)
        #expect(queue.inFlight?.call == "consume")
        let first = completed(queue.complete(consumeOK))
        #expect(first?.call == "consume")
        #expect(first?.next == "declare")
        #expect(queue.inFlight?.call == "declare")
        let second = completed(queue.complete(declareOK))
        #expect(second?.call == "declare")
        #expect(second?.next == nil)
        #expect(queue.isEmpty)
        // Empty again: the next call goes out at once.
        #expect(queue.submit("declare", expecting: [declareOK], deadline: start + .seconds(5)) == .send)
    }

    @Test("a reply for a call that is waiting, not on the wire, is unexpected and changes nothing")
    func replyOutOfOrderIsUnexpected() {
        // What RabbitMQ would do if a declare were pipelined behind a consume: answer it first.
        var queue = CallQueue<String>()
        _ = queue.submit("consume", expecting: [consumeOK], deadline: start + .seconds(5))
        _ = queue.submit("declare", expecting: [declareOK], deadline: start + .seconds(5))
        guard case .unexpected = queue.complete(declareOK) else {
            Issue.record("a declare-ok matched while the consume was on the wire")
            return
        }
        #expect(queue.count == 2)
        #expect(queue.inFlight?.call == "consume")
    }

    @Test("a call with several possible replies completes on any of them")
    func severalReplies() {
        var queue = CallQueue<String>()
        _ = queue.submit("get", expecting: [getOK, getEmpty], deadline: start + .seconds(5))
        _ = queue.submit("get again", expecting: [getOK, getEmpty], deadline: start + .seconds(5))
        #expect(queue.expects(getOK))
        #expect(!queue.expects(declareOK))
        #expect(completed(queue.complete(getEmpty))?.call == "get")
        #expect(completed(queue.complete(getOK))?.call == "get again")
    }

    @Test("channel.close is sent at once behind an unanswered call, and its close-ok ends every call")
    func closeBypassesOrder() {
        var queue = CallQueue<String>()
        _ = queue.submit("consume", expecting: [consumeOK], deadline: start + .seconds(5))
        _ = queue.submit("declare", expecting: [declareOK], deadline: start + .seconds(5))
        #expect(queue.submit("close", expecting: [closeOK], deadline: start + .seconds(5), bypassesOrder: true) == .send)
        #expect(queue.count == 3)
        let (closes, others) = queue.closeCompleted()
        #expect(closes.map(\.call) == ["close"])
        #expect(others.map(\.call) == ["consume", "declare"])
        #expect(queue.isEmpty)
    }

    @Test("a call refused locally leaves, and the call behind it goes on the wire")
    func dropInFlight() {
        var queue = CallQueue<String>()
        _ = queue.submit("bad", expecting: [declareOK], deadline: start + .seconds(5))
        _ = queue.submit("good", expecting: [declareOK], deadline: start + .seconds(5))
        let (dropped, next) = queue.dropInFlight()
        #expect(dropped.call == "bad")
        #expect(next?.call == "good")
        #expect(queue.inFlight?.call == "good")
        let (last, none) = queue.dropInFlight()
        #expect(last.call == "good")
        #expect(none == nil)
        #expect(queue.isEmpty)
    }

    @Test("an unanswered call times out once and stays to absorb its late reply; calls behind it leave unsent")
    func expiry() {
        var queue = CallQueue<String>()
        _ = queue.submit("slow", expecting: [declareOK], deadline: start + .seconds(1))
        _ = queue.submit("early", expecting: [consumeOK], deadline: start + .seconds(2))
        _ = queue.submit("late", expecting: [declareOK], deadline: start + .seconds(10))
        #expect(queue.nextDeadline == start + .seconds(1))

        #expect(queue.expire(now: start).isEmpty)
        let first = queue.expire(now: start + .seconds(1))
        #expect(first.count == 1)
        guard case .unanswered(let slow)? = first.first else {
            Issue.record("expected the call on the wire to time out unanswered: \(first)")
            return
        }
        #expect(slow.call == "slow")
        #expect(queue.nextDeadline == start + .seconds(2))

        let second = queue.expire(now: start + .seconds(3))
        guard second.count == 1, case .neverSent(let early, let blockedBy) = second[0] else {
            Issue.record("expected the waiting call to leave unsent: \(second)")
            return
        }
        #expect(early.call == "early")
        #expect(blockedBy.call == "slow")
        #expect(queue.count == 2)
        #expect(queue.nextDeadline == start + .seconds(10))

        // The late reply still matches the timed-out call, not the one behind it.
        let late = completed(queue.complete(declareOK))
        #expect(late?.call == "slow")
        #expect(late?.next == "late")
        #expect(queue.expire(now: start + .seconds(5)).isEmpty)
    }

    @Test("a timed-out close is reported once and stays until close-ok")
    func closeExpiry() {
        var queue = CallQueue<String>()
        _ = queue.submit("close", expecting: [closeOK], deadline: start + .seconds(1), bypassesOrder: true)
        #expect(queue.expire(now: start + .seconds(2)).count == 1)
        #expect(queue.expire(now: start + .seconds(3)).isEmpty)
        #expect(queue.nextDeadline == nil)
        #expect(queue.count == 1)
        #expect(queue.removeAll().map(\.call) == ["close"])
    }

    @Test("a reply on an empty queue is unexpected")
    func emptyQueue() {
        var queue = CallQueue<String>()
        guard case .unexpected = queue.complete(declareOK) else {
            Issue.record("a reply matched on an empty queue")
            return
        }
        #expect(queue.inFlight == nil)
        #expect(queue.nextDeadline == nil)
    }
}
