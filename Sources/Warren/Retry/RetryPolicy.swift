#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How often a failing task is attempted, and how long it waits between attempts: exponential
/// back-off with a cap and jitter.
///
/// The delay after failed attempt `n` (from 1) is `min(maxDelay, initialDelay × multiplier^(n-1))`,
/// then spread by ±`jitter` (a fraction) so that tasks failing together do not retry together.
/// With the defaults (5 attempts, 1 s, ×2, 10 min cap, ±10 %) a task runs at about 0, 1, 3, 7 and 15 s.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included. 1 means no retries.
    public var maxAttempts: Int
    /// The delay after the first failure.
    public var initialDelay: Duration
    /// The factor by which each further delay grows.
    public var multiplier: Double
    /// The longest delay.
    public var maxDelay: Duration
    /// The relative spread applied to each delay, from 0 (none) to 1.
    public var jitter: Double

    /// Creates a policy.
    public init(
        maxAttempts: Int = 5,
        initialDelay: Duration = .seconds(1),
        multiplier: Double = 2,
        maxDelay: Duration = .seconds(600),
        jitter: Double = 0.1
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = max(.zero, initialDelay)
        self.multiplier = max(1, multiplier)
        self.maxDelay = max(.zero, maxDelay)
        self.jitter = min(1, max(0, jitter))
    }

    /// Five attempts, 1 s doubling to at most 10 minutes, ±10 % jitter.
    public static let `default` = RetryPolicy()

    /// One attempt: a failure dead-letters the task at once.
    public static let never = RetryPolicy(maxAttempts: 1)

    /// The delay before attempt `failedAttempt + 1`, before jitter.
    public func nominalDelay(afterAttempt failedAttempt: Int) -> Duration {
        let exponent = Double(max(0, failedAttempt - 1))
        let seconds = initialDelay.secondsValue * pow(multiplier, exponent)
        guard seconds.isFinite, seconds < maxDelay.secondsValue else { return maxDelay }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// The delay before attempt `failedAttempt + 1`, with jitter drawn from `random` (0 ..< 1).
    public func delay(afterAttempt failedAttempt: Int, random: Double = Double.random(in: 0..<1)) -> Duration {
        let nominal = nominalDelay(afterAttempt: failedAttempt).secondsValue
        let spread = nominal * jitter * (2 * random - 1)
        return .milliseconds(Int64(max(0, nominal + spread) * 1000))
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
