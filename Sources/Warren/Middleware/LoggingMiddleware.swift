import Logging

/// Logs what happened to a task that did not simply succeed: a warning for a retry, an error for a
/// dead letter, info for a hand-back. Successes are not logged (at 50,000 tasks a second the log
/// would be the bottleneck); the metrics and events count them.
struct LoggingMiddleware: TaskMiddleware {
    let logger: Logger

    func settled(_ context: TaskContext, _ settlement: TaskSettlement) async {
        if case .succeeded = settlement.disposition { return }
        let logger = TaskLogger(base: self.logger, task: context.taskName, messageID: context.messageID, attempt: context.attempt)
        switch settlement.disposition {
        case .succeeded:
            break
        case .retry(let delay):
            logger.warning(
                "task failed; retrying",
                metadata: [
                    "error": "\(settlement.failureDescription ?? "")", "retry_in": "\(delay)", "max_attempts": "\(context.maxAttempts)",
                ]
            )
        case .deadLetter(let reason):
            logger.error(
                "task dead-lettered",
                metadata: [
                    "reason": "\(reason)", "error": "\(settlement.failureDescription ?? "")",
                    "dead_letter_queue": "\(context.queue).dead",
                ]
            )
        case .handBack:
            logger.info("task interrupted by shutdown; returned to the queue")
        }
    }
}
