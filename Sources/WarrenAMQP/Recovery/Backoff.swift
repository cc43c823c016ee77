/// Exponential back-off with full jitter for reconnecting: attempt `n` waits a random time between
/// half and all of `min(maximum, initial × 2^(n-1))`. A pure value.
public struct Backoff: Sendable, Hashable {
    /// The first delay.
    public var initial: Duration
    /// The longest delay.
    public var maximum: Duration

    /// Creates a back-off.
    public init(initial: Duration = .milliseconds(200), maximum: Duration = .seconds(10)) {
        self.initial = max(.milliseconds(1), initial)
        self.maximum = max(self.initial, maximum)
    }

    /// The delay before retry `attempt` (from 1), with `random` in 0 ..< 1.
    public func delay(attempt: Int, random: Double = Double.random(in: 0..<1)) -> Duration {
        var ceiling = initial
        var step = 1
        while step < attempt && ceiling < maximum {
            ceiling = ceiling * 2
            step += 1
        }
        ceiling = min(ceiling, maximum)
        return ceiling / 2 + (ceiling / 2) * max(0, min(1, random))
    }
}
