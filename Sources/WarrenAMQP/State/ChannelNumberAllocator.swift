/// Hands out channel numbers 1…max, round-robin, so a number just freed is not reused at once (a late
/// frame for an old channel cannot be mistaken for the new one's). A pure value.
struct ChannelNumberAllocator {
    private var inUse: Set<UInt16> = []
    private var last: UInt16 = 0
    /// The highest channel number allowed (negotiated `channel_max`).
    let maximum: UInt16

    init(maximum: UInt16) {
        self.maximum = max(1, maximum)
    }

    /// The number of channels in use.
    var count: Int { inUse.count }

    /// Returns a free channel number, or nil when all are in use.
    mutating func allocate() -> UInt16? {
        guard inUse.count < Int(maximum) else { return nil }
        var candidate = last
        repeat {
            candidate = candidate >= maximum ? 1 : candidate + 1
        } while inUse.contains(candidate)
        inUse.insert(candidate)
        last = candidate
        return candidate
    }

    /// Frees a number for later reuse.
    mutating func release(_ number: UInt16) {
        inUse.remove(number)
    }
}
