import Testing
@testable import Warren

@Suite("TaskDisposition.decide")
struct TaskDispositionTests {
    struct Boom: Error {}
    let policy = RetryPolicy(maxAttempts: 3, initialDelay: .seconds(1), multiplier: 2, maxDelay: .seconds(60), jitter: 0)

    @Test("success acks, whatever else is true")
    func success() {
        #expect(TaskDisposition.decide(error: nil, attempt: 3, policy: policy, interrupted: true) == .succeeded)
    }

    @Test("a failure before the last attempt retries after the policy's delay; the last dead-letters")
    func retriesThenDeadLetters() {
        #expect(TaskDisposition.decide(error: Boom(), attempt: 1, policy: policy, interrupted: false) == .retry(after: .seconds(1)))
        #expect(TaskDisposition.decide(error: Boom(), attempt: 2, policy: policy, interrupted: false) == .retry(after: .seconds(2)))
        #expect(TaskDisposition.decide(error: Boom(), attempt: 3, policy: policy, interrupted: false) == .deadLetter(.maxAttemptsExceeded))
        #expect(TaskDisposition.decide(error: Boom(), attempt: 9, policy: policy, interrupted: false) == .deadLetter(.maxAttemptsExceeded))
        #expect(TaskDisposition.decide(error: Boom(), attempt: 1, policy: .never, interrupted: false) == .deadLetter(.maxAttemptsExceeded))
    }

    @Test("the jitter comes from the random number given")
    func jitter() {
        let jittered = RetryPolicy(maxAttempts: 3, initialDelay: .seconds(10), jitter: 0.5)
        #expect(TaskDisposition.decide(error: Boom(), attempt: 1, policy: jittered, interrupted: false, random: 0.5) == .retry(after: .milliseconds(7500)))
    }

    @Test("a permanent failure dead-letters on the first attempt")
    func permanent() {
        let error = PermanentFailure("the card was declined")
        #expect(TaskDisposition.decide(error: error, attempt: 1, policy: policy, interrupted: false) == .deadLetter(.permanentFailure))
    }

    @Test("an interrupted attempt is handed back, even a permanent failure or the last attempt")
    func interrupted() {
        #expect(TaskDisposition.decide(error: Boom(), attempt: 3, policy: policy, interrupted: true) == .handBack)
        #expect(TaskDisposition.decide(error: PermanentFailure("x"), attempt: 1, policy: policy, interrupted: true) == .handBack)
    }

    @Test("a body that can never work dead-letters with its reason, even when interrupted")
    func poison() {
        let poison = PoisonMessage(reason: .invalidJSON, detail: "unexpected end")
        #expect(TaskDisposition.decide(error: poison, attempt: 1, policy: policy, interrupted: false) == .deadLetter(.invalidJSON))
        #expect(TaskDisposition.decide(error: poison, attempt: 1, policy: policy, interrupted: true) == .deadLetter(.invalidJSON))
    }
}
