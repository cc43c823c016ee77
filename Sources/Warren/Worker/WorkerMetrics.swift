import Metrics
import Synchronization

/// The worker's swift-metrics instruments, labelled by queue and task. Instruments are created once
/// per task name and cached.
final class WorkerMetrics: Sendable {
    struct Instruments: Sendable {
        let received: Counter
        let succeeded: Counter
        let failed: Counter
        let retried: Counter
        let deadLettered: Counter
        let duration: Metrics.Timer
    }

    private let queue: String
    private let cache = Mutex<[String: Instruments]>([:])
    /// Handlers running now.
    let inFlight: Meter

    init(queue: String) {
        self.queue = queue
        self.inFlight = Meter(label: "warren_tasks_in_flight", dimensions: [("queue", queue)])
    }

    /// The instruments for a task name.
    func callAsFunction(_ task: String) -> Instruments {
        if let cached = cache.withLock({ $0[task] }) { return cached }
        let dimensions = [("queue", queue), ("task", task)]
        let instruments = Instruments(
            received: Counter(label: "warren_tasks_received_total", dimensions: dimensions),
            succeeded: Counter(label: "warren_tasks_succeeded_total", dimensions: dimensions),
            failed: Counter(label: "warren_tasks_failed_total", dimensions: dimensions),
            retried: Counter(label: "warren_tasks_retried_total", dimensions: dimensions),
            deadLettered: Counter(label: "warren_tasks_dead_lettered_total", dimensions: dimensions),
            duration: Metrics.Timer(label: "warren_task_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        )
        return cache.withLock { cache in
            if let existing = cache[task] { return existing }
            cache[task] = instruments
            return instruments
        }
    }
}
