#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Exponential back-off with jitter, the one Warren uses everywhere: reconnecting, publishing again
/// after a `basic.nack`, and the delay before a failed task's next attempt (`RetryPolicy` in
/// Warren holds one). A pure value.
///
/// Attempt `n` (from 1) waits `min(maximum, initial × multiplier^(n-1))`, shortened by a random part
/// of up to `jitter` of itself, so that clients failing together do not come back together, and no
/// delay is ever longer than `maximum`. Reconnecting uses a jitter of 0.5: each delay is between
/// half and all of its nominal value.
public struct Backoff: Sendable, Hashable {
    /// The first delay, before jitter.
    public var initial: Duration
    /// The factor by which each further delay grows (at least 1).
    public var multiplier: Double
    /// The longest delay.
    public var maximum: Duration
    /// The largest part of a delay that jitter takes off, from 0 (none) to 1.
    public var jitter: Double

    /// Creates a back-off.
    public init(initial: Duration = .milliseconds(200), multiplier: Double = 2, maximum: Duration = .seconds(10), jitter: Double = 0.5) {
        self.initial = max(.zero, initial)
        self.multiplier = multiplier.isFinite ? max(1, multiplier) : 1
        self.maximum = max(self.initial, maximum)
        self.jitter = jitter.isFinite ? min(1, max(0, jitter)) : 0
    }

    /// The delay before attempt `attempt + 1`, before jitter: `min(maximum, initial × multiplier^(attempt-1))`.
    public func nominalDelay(attempt: Int) -> Duration {
        let exponent = Double(max(0, attempt - 1))
        let seconds = Self.seconds(initial) * pow(multiplier, exponent)
        guard seconds.isFinite, seconds < Self.seconds(maximum) else { return maximum }
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// The delay for `attempt` (from 1), with `random` in 0 ..< 1 choosing how much jitter takes off.
    public func delay(attempt: Int, random: Double = Double.random(in: 0..<1)) -> Duration {
        let nominal = nominalDelay(attempt: attempt)
        let cut = jitter * max(0, min(1, random.isFinite ? random : 0))
        return .nanoseconds(Int64((Self.seconds(nominal) * (1 - cut) * 1e9).rounded()))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
