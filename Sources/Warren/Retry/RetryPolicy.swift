#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import WarrenAMQP

/// How often a failing task is attempted, and how long it waits between attempts: the `Backoff`
/// Warren uses everywhere, exponential with a cap and jitter.
///
/// The delay after failed attempt `n` (from 1) is `min(maxDelay, initialDelay × multiplier^(n-1))`,
/// shortened by a random part of up to `jitter` of itself, so that tasks failing together do not retry
/// together, and never longer than `maxDelay`. With the defaults (5 attempts, 1 s, ×2, 10 min cap,
/// jitter 0.1) a task runs at about 0, 1, 3, 7 and 15 s.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included. 1 means no retries.
    public var maxAttempts: Int
    /// The delay after the first failure.
    public var initialDelay: Duration
    /// The factor by which each further delay grows.
    public var multiplier: Double
    /// The longest delay.
    public var maxDelay: Duration
    /// The largest part of a delay that jitter takes off, from 0 (none) to 1.
    public var jitter: Double

    /// Creates a policy.
    public init(
        maxAttempts: Int = 5,
        initialDelay: Duration = .seconds(1),
        multiplier: Double = 2,
        maxDelay: Duration = .seconds(600),
        jitter: Double = 0.1
    ) {
        let backoff = Backoff(initial: initialDelay, multiplier: multiplier, maximum: maxDelay, jitter: jitter)
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = backoff.initial
        self.multiplier = backoff.multiplier
        self.maxDelay = backoff.maximum
        self.jitter = backoff.jitter
    }

    /// Five attempts, 1 s doubling to at most 10 minutes, jitter 0.1.
    public static let `default` = RetryPolicy()

    /// One attempt: a failure dead-letters the task at once.
    public static let never = RetryPolicy(maxAttempts: 1)

    /// The delays between attempts.
    public var backoff: Backoff {
        Backoff(initial: initialDelay, multiplier: multiplier, maximum: maxDelay, jitter: jitter)
    }

    /// The delay before attempt `failedAttempt + 1`, before jitter.
    public func nominalDelay(afterAttempt failedAttempt: Int) -> Duration {
        backoff.nominalDelay(attempt: failedAttempt)
    }

    /// The delay before attempt `failedAttempt + 1`, with `random` (0 ..< 1) choosing how much jitter
    /// takes off.
    public func delay(afterAttempt failedAttempt: Int, random: Double = Double.random(in: 0..<1)) -> Duration {
        backoff.delay(attempt: failedAttempt, random: random)
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
