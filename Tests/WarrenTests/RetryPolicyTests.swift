@testable import Warren
import Testing
import WarrenAMQP

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test("delays grow exponentially up to the cap")
    func exponentialWithCap() {
        let policy = RetryPolicy(maxAttempts: 10, initialDelay: .seconds(1), multiplier: 2, maxDelay: .seconds(10), jitter: 0)
        #expect(policy.nominalDelay(afterAttempt: 1) == .seconds(1))
        #expect(policy.nominalDelay(afterAttempt: 2) == .seconds(2))
        #expect(policy.nominalDelay(afterAttempt: 3) == .seconds(4))
        #expect(policy.nominalDelay(afterAttempt: 4) == .seconds(8))
        #expect(policy.nominalDelay(afterAttempt: 5) == .seconds(10))
        #expect(policy.nominalDelay(afterAttempt: 60) == .seconds(10))
        #expect(policy.delay(afterAttempt: 3, random: 0.9) == .seconds(4))
    }

    @Test("jitter shortens each delay by at most the fraction, never lengthens it")
    func jitterBounds() {
        let policy = RetryPolicy(initialDelay: .seconds(10), jitter: 0.2)
        #expect(policy.delay(afterAttempt: 1, random: 0) == .seconds(10))
        #expect(policy.delay(afterAttempt: 1, random: 0.5) == .seconds(9))
        #expect(policy.delay(afterAttempt: 1, random: 0.999_999) >= .seconds(8))
        for _ in 0..<1000 {
            let delay = policy.delay(afterAttempt: 1)
            #expect(delay >= .seconds(8) && delay <= .seconds(10))
        }
        #expect(policy.backoff == Backoff(initial: .seconds(10), multiplier: 2, maximum: .seconds(600), jitter: 0.2))
    }

    @Test("out-of-range settings are clamped")
    func clamping() {
        let policy = RetryPolicy(maxAttempts: 0, initialDelay: .seconds(-1), multiplier: 0.5, maxDelay: .seconds(-3), jitter: 7)
        #expect(policy.maxAttempts == 1)
        #expect(policy.initialDelay == .zero)
        #expect(policy.multiplier == 1)
        #expect(policy.jitter == 1)
        #expect(RetryPolicy.never.maxAttempts == 1)
        #expect(RetryPolicy.default.maxAttempts == 5)
    }
}
