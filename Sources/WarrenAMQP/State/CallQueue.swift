import DequeModule

/// The synchronous calls of one channel: one on the wire at a time, the others waiting their turn.
///
/// AMQP 0-9-1 gives a channel one outstanding synchronous request, and RabbitMQ relies on it: it
/// answers `basic.consume` from the queue's process, so a `queue.declare` sent right behind a
/// `basic.consume` can be answered first. (Seen on RabbitMQ 3.10.8: `queue.declare-ok` arrived before
/// the `basic.consume-ok` of the consume sent before it, in 1 of 12 runs of the integration test
/// "leaving the iteration by cancelling its task cancels the consumer at the broker" with both cores
/// busy; matched in order, every later reply on that channel went to the wrong call.) So a channel
/// sends its next synchronous method only once the previous one was answered, as the Java client and
/// pika do.
///
/// `channel.close` is the exception: the protocol lets it be sent at any time, and it must not wait
/// behind a call the broker may never answer. Its reply, `channel.close-ok`, ends every call.
///
/// A pure state machine: the I/O thread sends what it is told to send and hands back what arrives.
/// Deadlines count from when a call was submitted, so a call that waited its turn has no more time.
struct CallQueue<Call> {
    /// A call and what the queue knows about it.
    struct Entry {
        var call: Call
        /// The method ids that answer the call.
        var expectedReplies: [UInt32]
        var deadline: ContinuousClock.Instant
        /// Set once its caller was told it timed out; its late reply is still absorbed.
        var timedOut = false
    }

    /// What the I/O thread does with a call it submitted.
    enum SubmitAction: Equatable {
        /// Send it now: it is the channel's call on the wire.
        case send
        /// Do nothing yet: it is sent when the calls before it were answered (see ``complete(_:)``).
        case wait
    }

    /// What a reply from the broker means.
    enum ReplyAction {
        /// The reply answers `call`. When `next` is set, that call is on the wire now: send it.
        case complete(Entry, next: Entry?)
        /// Nothing waits for this reply: the broker sent it unasked, or the channel's order broke.
        case unexpected
    }

    /// What happened to a call whose deadline passed (see ``expire(now:)``).
    enum Expiry {
        /// It was sent and its reply did not arrive in time; its effect at the broker is unknown.
        /// It stays on the wire, so that its late reply is not matched to a later call.
        case unanswered(Entry)
        /// It was never sent: it waited behind `blockedBy`, which the broker has not answered.
        case neverSent(Entry, blockedBy: Entry)
    }

    /// The call on the wire, if any, then the calls waiting for it, in order.
    private var serial: Deque<Entry> = []
    /// `channel.close` calls, sent at once whatever else is on the wire.
    private var closes: [Entry] = []

    init() {}

    /// True when no call is on the wire or waiting.
    var isEmpty: Bool { serial.isEmpty && closes.isEmpty }

    /// How many calls are on the wire or waiting.
    var count: Int { serial.count + closes.count }

    /// The call on the wire: the one the broker's next reply on this channel answers.
    var inFlight: Entry? { serial.first }

    /// The earliest deadline of a call whose caller has not been told yet that it timed out.
    var nextDeadline: ContinuousClock.Instant? {
        var earliest: ContinuousClock.Instant?
        for entry in serial where !entry.timedOut { earliest = min(earliest ?? entry.deadline, entry.deadline) }
        for entry in closes where !entry.timedOut { earliest = min(earliest ?? entry.deadline, entry.deadline) }
        return earliest
    }

    /// Adds a call. `channel.close` (`bypassesOrder`) is always sent at once; any other call only when
    /// nothing else is on the wire.
    mutating func submit(
        _ call: Call,
        expecting replies: [UInt32],
        deadline: ContinuousClock.Instant,
        bypassesOrder: Bool = false
    ) -> SubmitAction {
        let entry = Entry(call: call, expectedReplies: replies, deadline: deadline)
        if bypassesOrder {
            closes.append(entry)
            return .send
        }
        serial.append(entry)
        return serial.count == 1 ? .send : .wait
    }

    /// The call on the wire could not be sent after all (its arguments were refused locally): it is
    /// removed, and the next call, if any, is on the wire now and returned to be sent.
    mutating func dropInFlight() -> (dropped: Entry, next: Entry?) {
        precondition(!serial.isEmpty, "CallQueue.dropInFlight() with no call on the wire")
        let dropped = serial.removeFirst()
        return (dropped, serial.first)
    }

    /// Matches a reply (a method id) to the call on the wire.
    mutating func complete(_ reply: UInt32) -> ReplyAction {
        guard let head = serial.first, head.expectedReplies.contains(reply) else { return .unexpected }
        serial.removeFirst()
        return .complete(head, next: serial.first)
    }

    /// True when `reply` answers the call on the wire; nothing changes. (`basic.get-ok` is matched
    /// only once its content arrived, but checked when its method frame arrives.)
    func expects(_ reply: UInt32) -> Bool {
        serial.first?.expectedReplies.contains(reply) ?? false
    }

    /// `channel.close-ok` arrived: nothing more comes on this channel. Returns the close calls, which
    /// succeeded, and every other call, which the broker will not answer now. The queue is empty after.
    mutating func closeCompleted() -> (closes: [Entry], others: [Entry]) {
        defer { removeAll() }
        return (closes, Array(serial))
    }

    /// Empties the queue, returning every call (the channel or connection ended).
    @discardableResult
    mutating func removeAll() -> [Entry] {
        let all = Array(serial) + closes
        serial.removeAll()
        closes.removeAll()
        return all
    }

    /// Handles the deadlines that passed by `now`. Calls on the wire stay, marked timed out, so that
    /// their late replies are absorbed; waiting calls leave the queue, unsent.
    mutating func expire(now: ContinuousClock.Instant) -> [Expiry] {
        var expired: [Expiry] = []
        for index in closes.indices where !closes[index].timedOut && closes[index].deadline <= now {
            closes[index].timedOut = true
            expired.append(.unanswered(closes[index]))
        }
        guard let head = serial.first else { return expired }
        if !head.timedOut && head.deadline <= now {
            serial[0].timedOut = true
            expired.append(.unanswered(serial[0]))
        }
        var index = 1
        while index < serial.count {
            if serial[index].deadline <= now {
                expired.append(.neverSent(serial.remove(at: index), blockedBy: serial[0]))
            } else {
                index += 1
            }
        }
        return expired
    }
}
