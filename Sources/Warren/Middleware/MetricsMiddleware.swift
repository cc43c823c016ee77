/// Counts tasks and times handlers with swift-metrics (``WorkerMetrics``): received, succeeded,
/// failed, retried, dead-lettered, handed back, the handler's duration and the handlers in flight.
struct MetricsMiddleware: TaskMiddleware {
    let metrics: WorkerMetrics

    func received(_ context: TaskContext) async {
        metrics(context.taskName).received.increment()
    }

    func run(_ context: TaskContext, next: (TaskContext) async throws -> Void) async throws {
        metrics.inFlight.increment()
        defer { metrics.inFlight.decrement() }
        try await next(context)
    }

    func settled(_ context: TaskContext, _ settlement: TaskSettlement) async {
        let instruments = metrics(context.taskName)
        if let duration = settlement.duration {
            instruments.duration.recordNanoseconds(Int64(clamping: duration.nanoseconds))
        }
        switch settlement.disposition {
        case .succeeded:
            instruments.succeeded.increment()
        case .retry:
            instruments.failed.increment()
            instruments.retried.increment()
        case .deadLetter(let reason):
            // A body that could never work, or a task nobody handles, did not fail: it was refused.
            if reason == .maxAttemptsExceeded || reason == .permanentFailure { instruments.failed.increment() }
            instruments.deadLettered.increment()
        case .handBack:
            instruments.handedBack.increment()
        }
    }
}
