/// What the worker does with a task once an attempt ended: the decision, apart from carrying it out.
///
/// ``decide(error:attempt:policy:interrupted:random:)`` is a pure function of how the attempt ended,
/// which attempt it was and the retry policy, so every rule is tested without a broker.
public enum TaskDisposition: Sendable, Hashable {
    /// The handler succeeded: ack the message.
    case succeeded
    /// The attempt failed and another follows after this delay: a copy with the attempt counted up
    /// goes through the delay exchanges, then the original is acked.
    case retry(after: Duration)
    /// No attempt follows: a dead letter goes to `Q.dead`, then the original is acked.
    case deadLetter(DeadLetterReason)
    /// The worker is stopping and interrupted the attempt: the message goes back to the queue for
    /// another worker, without counting as a failure.
    case handBack

    /// Decides what follows an attempt.
    ///
    /// - Parameters:
    ///   - error: What the handler (or a middleware around it) threw; nil when it succeeded.
    ///   - attempt: The attempt that ended, from 1.
    ///   - policy: The task's retry policy.
    ///   - interrupted: The worker's task was cancelled (a stopping worker gave up waiting).
    ///   - random: Chooses the retry delay's jitter (0 ..< 1); nil draws one, only when the attempt is
    ///     retried (a draw costs a system call, too much for every successful task).
    /// - Returns: In this order: success acks; a body that can never work (invalid JSON, the wrong
    ///   shape) is dead-lettered with its reason; an interrupted attempt is handed back; a
    ///   ``PermanentFailure`` is dead-lettered; an attempt before the last is retried after the
    ///   policy's delay; the last is dead-lettered as `max-attempts-exceeded`.
    public static func decide(
        error: (any Error)?,
        attempt: Int,
        policy: RetryPolicy,
        interrupted: Bool,
        random: Double? = nil
    ) -> TaskDisposition {
        guard let error else { return .succeeded }
        if let poison = error as? PoisonMessage { return .deadLetter(poison.reason) }
        if interrupted { return .handBack }
        if error is PermanentFailure { return .deadLetter(.permanentFailure) }
        if attempt < policy.maxAttempts {
            return .retry(after: policy.delay(afterAttempt: attempt, random: random ?? Double.random(in: 0..<1)))
        }
        return .deadLetter(.maxAttemptsExceeded)
    }
}
