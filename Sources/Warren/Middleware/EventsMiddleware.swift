#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Publishes the lifecycle events (``TaskEvent``): started before the handler runs, then succeeded,
/// retrying or dead-lettered. A hand-back publishes nothing: the task is not done.
struct EventsMiddleware: TaskMiddleware {
    let events: EventEmitter
    /// `host-pid`.
    let workerName: String

    func run(_ context: TaskContext, next: (TaskContext) async throws -> Void) async throws {
        emit(.started, context)
        try await next(context)
    }

    func settled(_ context: TaskContext, _ settlement: TaskSettlement) async {
        let duration = settlement.duration.map { $0.secondsValue * 1000 }
        switch settlement.disposition {
        case .succeeded:
            emit(.succeeded, context, duration: duration)
        case .retry(let delay):
            emit(.retrying, context, duration: duration, error: settlement.failureDescription, retryIn: delay.secondsValue * 1000)
        case .deadLetter(let reason):
            emit(.deadLettered, context, duration: duration, error: settlement.failureDescription, reason: reason)
        case .handBack:
            break
        }
    }

    private func emit(
        _ kind: TaskEvent.Kind,
        _ context: TaskContext,
        duration: Double? = nil,
        error: String? = nil,
        retryIn: Double? = nil,
        reason: DeadLetterReason? = nil
    ) {
        events.emit(
            TaskEvent(
                kind: kind, task: context.taskName, messageID: context.messageID, correlationID: context.correlationID,
                queue: context.queue, attempt: context.attempt, maxAttempts: context.maxAttempts,
                enqueuedAt: context.enqueuedAt, durationMilliseconds: duration,
                error: error.map(FailureMessages.truncated), retryInMilliseconds: retryIn,
                deadLetterReason: reason?.rawValue, worker: workerName
            )
        )
    }
}
