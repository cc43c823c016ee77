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
        let handedBack: Counter
        let duration: Metrics.Timer
    }

    private let queue: String
    private let factory: any MetricsFactory
    private let cache = Mutex<[String: Instruments]>([:])
    /// Handlers running now.
    let inFlight: Meter

    /// The instruments of `queue`'s worker, made by `factory` (the bootstrapped one by default).
    init(queue: String, factory: any MetricsFactory = MetricsSystem.factory) {
        self.queue = queue
        self.factory = factory
        self.inFlight = Meter(label: "warren_tasks_in_flight", dimensions: [("queue", queue)], factory: factory)
    }

    /// The instruments for a task name.
    func callAsFunction(_ task: String) -> Instruments {
        if let cached = cache.withLock({ $0[task] }) { return cached }
        let dimensions = [("queue", queue), ("task", task)]
        let instruments = Instruments(
            received: Counter(label: "warren_tasks_received_total", dimensions: dimensions, factory: factory),
            succeeded: Counter(label: "warren_tasks_succeeded_total", dimensions: dimensions, factory: factory),
            failed: Counter(label: "warren_tasks_failed_total", dimensions: dimensions, factory: factory),
            retried: Counter(label: "warren_tasks_retried_total", dimensions: dimensions, factory: factory),
            deadLettered: Counter(label: "warren_tasks_dead_lettered_total", dimensions: dimensions, factory: factory),
            handedBack: Counter(label: "warren_tasks_handed_back_total", dimensions: dimensions, factory: factory),
            duration: Metrics.Timer(label: "warren_task_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds, factory: factory)
        )
        return cache.withLock { cache in
            if let existing = cache[task] { return existing }
            cache[task] = instruments
            return instruments
        }
    }
}
