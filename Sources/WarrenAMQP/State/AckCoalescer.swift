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
///
/// Memory: the record holds exactly the deliveries that are unsettled at the broker, which the
/// channel's prefetch bounds; a delivery the application never settles stays in it (as it stays
/// unacknowledged at the broker) without making it grow.
struct AckCoalescer {
    /// Tags handed out and not settled yet, in increasing order (the broker numbers deliveries on a
    /// channel 1, 2, 3, …).
    private var unsettled: Deque<UInt64> = []
    private var queued: [UInt64] = []

    /// The tags handed out and not settled yet, oldest first.
    var unsettledTags: [UInt64] { Array(unsettled) }

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
        // The run of queued tags that are the oldest unsettled ones, in order.
        var covered = 0
        var index = 0
        while index < queued.count, covered < unsettled.count, queued[index] == unsettled[covered] {
            covered += 1
            index += 1
            // A tag acked twice in one batch: the duplicate follows at once after sorting.
            while index < queued.count, queued[index] == unsettled[covered - 1] { index += 1 }
        }
        var frames: [Settlement] = []
        if covered > 0 {
            frames.append(.ack(unsettled[covered - 1], multiple: covered > 1))
            unsettled.removeFirst(covered)
        }
        var previous: UInt64? = nil
        for tag in queued[index...] where tag != previous {
            previous = tag
            frames.append(.ack(tag, multiple: false))
            remove(tag)
        }
        queued.removeAll(keepingCapacity: true)
        return frames
    }

    /// Records a settlement that was sent as the application asked it.
    mutating func settled(_ tag: UInt64, multiple: Bool) {
        guard multiple else {
            remove(tag)
            return
        }
        while let front = unsettled.first, front <= tag { unsettled.removeFirst() }
    }

    /// Forgets `tag` if it is recorded (binary search: the tags are in order).
    private mutating func remove(_ tag: UInt64) {
        var low = 0
        var high = unsettled.count
        while low < high {
            let middle = (low + high) / 2
            if unsettled[middle] < tag { low = middle + 1 } else { high = middle }
        }
        if low < unsettled.count, unsettled[low] == tag { unsettled.remove(at: low) }
    }
}
