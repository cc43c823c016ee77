import Testing
import WarrenAMQP

@Suite("Backoff")
struct BackoffTests {
    @Test("nominal delays grow by the multiplier up to the maximum, also for absurd attempts")
    func nominal() {
        let backoff = Backoff(initial: .milliseconds(100), multiplier: 3, maximum: .seconds(2))
        #expect(backoff.nominalDelay(attempt: 1) == .milliseconds(100))
        #expect(backoff.nominalDelay(attempt: 2) == .milliseconds(300))
        #expect(backoff.nominalDelay(attempt: 3) == .milliseconds(900))
        #expect(backoff.nominalDelay(attempt: 4) == .seconds(2))
        #expect(backoff.nominalDelay(attempt: 0) == .milliseconds(100))
        #expect(backoff.nominalDelay(attempt: .max) == .seconds(2))
    }

    @Test("jitter takes off at most its fraction, never adds: no delay exceeds the maximum")
    func jitter() {
        let backoff = Backoff(initial: .seconds(1), maximum: .seconds(8), jitter: 0.5)
        #expect(backoff.delay(attempt: 2, random: 0) == .seconds(2))
        #expect(backoff.delay(attempt: 2, random: 0.5) == .milliseconds(1500))
        #expect(backoff.delay(attempt: 10, random: 0.999_999) >= .seconds(4))
        for attempt in 1...20 {
            let delay = backoff.delay(attempt: attempt)
            #expect(delay <= .seconds(8))
            #expect(delay >= backoff.nominalDelay(attempt: attempt) / 2)
        }
    }

    @Test("arguments out of range are clamped")
    func clamped() {
        let backoff = Backoff(initial: .seconds(-1), multiplier: 0.5, maximum: .seconds(-5), jitter: 7)
        #expect(backoff.initial == .zero)
        #expect(backoff.multiplier == 1)
        #expect(backoff.maximum == .zero)
        #expect(backoff.jitter == 1)
        #expect(Backoff(jitter: .nan).jitter == 0)
        #expect(Backoff().delay(attempt: 1, random: .nan) == .milliseconds(200))
    }
}
