import DequeModule

/// Publisher-confirm bookkeeping for one channel in confirm mode: a pure state machine.
///
/// Each publish gets the next sequence number (1, 2, 3, … on a channel, as the broker counts them).
/// The broker answers with `basic.ack` or `basic.nack` carrying a delivery tag and a `multiple` flag;
/// `multiple` settles every outstanding number up to and including the tag. A mandatory publish the
/// broker could not route is first returned (`basic.return`) and then acked: ``markReturned(_:reason:)``
/// records that, and the later ack settles it as a failure.
struct ConfirmTracker<Completion> {
    /// How one outstanding publish was settled.
    enum Outcome {
        case confirmed
        case nacked
        case returned(ReturnReason)
    }

    /// Why the broker returned a message.
    struct ReturnReason: Equatable {
        var replyCode: UInt16
        var replyText: String
        var exchange: String
        var routingKey: String
    }

    private struct Entry {
        var sequence: UInt64
        var completion: Completion
        var returned: ReturnReason?
    }

    private var entries: Deque<Entry> = []
    /// The sequence number the next publish will get.
    private(set) var nextSequence: UInt64 = 1

    /// The number of publishes waiting for the broker's answer.
    var outstanding: Int { entries.count }

    /// Registers a publish about to be sent and returns its sequence number.
    mutating func register(_ completion: Completion) -> UInt64 {
        let sequence = nextSequence
        nextSequence += 1
        entries.append(Entry(sequence: sequence, completion: completion, returned: nil))
        return sequence
    }

    /// Records that the publish with this sequence number came back as a `basic.return`.
    /// Returns false when no such publish is outstanding.
    @discardableResult
    mutating func markReturned(_ sequence: UInt64, reason: ReturnReason) -> Bool {
        guard let index = index(of: sequence) else { return false }
        entries[index].returned = reason
        return true
    }

    /// Settles publishes for a `basic.ack`; a returned publish settles as `.returned`.
    mutating func ack(_ tag: UInt64, multiple: Bool) -> [(Completion, Outcome)] {
        settle(tag, multiple: multiple) { entry in entry.returned.map { .returned($0) } ?? .confirmed }
    }

    /// Settles publishes for a `basic.nack`.
    mutating func nack(_ tag: UInt64, multiple: Bool) -> [(Completion, Outcome)] {
        settle(tag, multiple: multiple) { _ in .nacked }
    }

    /// Removes and returns every outstanding publish, for failing them when the channel is gone.
    mutating func removeAll() -> [Completion] {
        let all = entries.map(\.completion)
        entries.removeAll()
        return all
    }

    private mutating func settle(
        _ tag: UInt64,
        multiple: Bool,
        outcome: (Entry) -> Outcome
    ) -> [(Completion, Outcome)] {
        var settled: [(Completion, Outcome)] = []
        if multiple {
            while let first = entries.first, first.sequence <= tag {
                entries.removeFirst()
                settled.append((first.completion, outcome(first)))
            }
        } else if let index = index(of: tag) {
            let entry = entries.remove(at: index)
            settled.append((entry.completion, outcome(entry)))
        }
        return settled
    }

    /// Sequence numbers are increasing, so the entry is found by binary search.
    private func index(of sequence: UInt64) -> Int? {
        var low = entries.startIndex
        var high = entries.endIndex
        while low < high {
            let middle = (low + high) / 2
            let value = entries[middle].sequence
            if value == sequence { return middle }
            if value < sequence { low = middle + 1 } else { high = middle }
        }
        return nil
    }
}
