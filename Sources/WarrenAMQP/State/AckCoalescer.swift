import DequeModule

/// Turns the single acks an application sends on one channel into as few `basic.ack` frames as the
/// protocol allows, without delaying any of them. Used on the I/O thread only.
///
/// The I/O thread records every delivery tag the broker hands out on the channel that must be settled
/// (``delivered(_:)``), in order. Acks the application sends are queued (``queueAck(_:)``) until the
/// I/O thread has executed the commands waiting for it, then ``takeAcks()`` returns what to send: when
/// the oldest unsettled deliveries are all among the queued acks, one `basic.ack` with `multiple` set
/// covers them (AMQP 0-9-1: it acknowledges every unsettled delivery up to that tag on the channel);
/// the rest go as single acks. The broker sees the same settlements, in fewer frames: a worker that
/// acks each of 256 prefetched messages usually sends a handful of frames instead of 256 (and the
/// broker's channel process handles a handful instead of 256).
///
/// Settlements other than single acks (nack, reject, multiple) are sent as the application asked;
/// ``settled(_:multiple:)`` keeps the record straight.
struct AckCoalescer {
    /// Tags handed out and not settled yet, in increasing order (the broker numbers deliveries on a
    /// channel 1, 2, 3, …), except those in ``settledOutOfOrder``.
    private var unsettled: Deque<UInt64> = []
    /// Tags settled while older ones were still unsettled; dropped from ``unsettled`` when they reach its front.
    private var settledOutOfOrder: Set<UInt64> = []
    private var queued: [UInt64] = []

    /// The tags handed out and not settled yet, oldest first.
    var unsettledTags: [UInt64] { unsettled.filter { !settledOutOfOrder.contains($0) } }

    /// True when acks wait for ``takeAcks()``.
    var hasQueuedAcks: Bool { !queued.isEmpty }

    /// A delivery the application must settle was handed out.
    mutating func delivered(_ tag: UInt64) {
        unsettled.append(tag)
    }

    /// The application acked one delivery (without `multiple`).
    mutating func queueAck(_ tag: UInt64) {
        queued.append(tag)
    }

    /// What to send for the queued acks: at most one multiple ack for the oldest unsettled tags, then
    /// single acks for the others. Empties the queue.
    mutating func takeAcks() -> [Settlement] {
        guard !queued.isEmpty else { return [] }
        queued.sort()
        var frames: [Settlement] = []
        var covered = 0
        var highest: UInt64 = 0
        var index = 0
        while index < queued.count {
            let tag = queued[index]
            dropSettledFront()
            guard let front = unsettled.first, front == tag else { break }
            unsettled.removeFirst()
            highest = tag
            covered += 1
            index += 1
            // A tag acked twice in one batch: the duplicate follows at once after sorting.
            while index < queued.count, queued[index] == tag { index += 1 }
        }
        if covered > 0 { frames.append(.ack(highest, multiple: covered > 1)) }
        var previous: UInt64? = nil
        for tag in queued[index...] where tag != previous {
            previous = tag
            frames.append(.ack(tag, multiple: false))
            markSettled(tag)
        }
        queued.removeAll(keepingCapacity: true)
        dropSettledFront()
        return frames
    }

    /// Records a settlement that was sent as the application asked it.
    mutating func settled(_ tag: UInt64, multiple: Bool) {
        guard multiple else {
            markSettled(tag)
            dropSettledFront()
            return
        }
        while let front = unsettled.first, front <= tag { unsettled.removeFirst() }
        if !settledOutOfOrder.isEmpty { settledOutOfOrder = settledOutOfOrder.filter { $0 > tag } }
    }

    private mutating func markSettled(_ tag: UInt64) {
        guard let front = unsettled.first, let last = unsettled.last, tag >= front, tag <= last else { return }
        if tag == front {
            unsettled.removeFirst()
        } else {
            settledOutOfOrder.insert(tag)
        }
    }

    private mutating func dropSettledFront() {
        guard !settledOutOfOrder.isEmpty else { return }
        while let front = unsettled.first, settledOutOfOrder.remove(front) != nil { unsettled.removeFirst() }
    }
}
