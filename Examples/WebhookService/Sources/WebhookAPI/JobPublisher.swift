import Logging
import ServiceLifecycle
import Synchronization
import Warren
import WebhookShared

/// Enqueues ``DeliverWebhook`` tasks with publisher confirms over a reconnecting connection.
///
/// The message id is the job id, the correlation id the HTTP request's. The task queue is declared
/// (as the worker declares it) before the first enqueue, and again if the broker ever says it is
/// gone, so the service can take jobs before any worker has started.
///
/// As a `Service` it declares the queue at start-up, retrying with back-off until the broker answers
/// (then returns), so that the first request does not pay for it.
public final class JobPublisher: Service, Sendable {
    private let producer: TaskProducer
    private let queue: TaskQueue
    private let declared = Mutex(false)
    private let logger: Logger

    /// A publisher to `queue` over `connections`. An enqueue gives up after `limit` without a
    /// confirm (broker away or blocking publishers), so an HTTP request never hangs for long.
    public init(connections: any AMQPConnectionProvider, queue: String, limit: Duration = .seconds(5), logger: Logger) {
        self.producer = TaskProducer(
            connection: connections,
            configuration: .init(appID: "webhook-service", retryLimit: limit, blockedLimit: limit),
            logger: logger
        )
        self.queue = TaskQueue(queue)
        self.logger = logger
    }

    /// True once the task queue is declared.
    public var isReady: Bool { declared.withLock { $0 } }

    /// Enqueues the delivery and returns once the broker has confirmed it.
    public func enqueue(_ task: DeliverWebhook, correlationID: String? = nil) async throws {
        let options = EnqueueOptions(messageID: task.jobID, correlationID: correlationID)
        if !declared.withLock({ $0 }) { try await declare() }
        do {
            try await producer.enqueue(task, to: queue.name, options: options)
        } catch let error as AMQPError where error.code == .unroutable {
            logger.warning("the task queue is gone; declaring it again", metadata: ["queue": "\(queue.name)"])
            try await declare()
            try await producer.enqueue(task, to: queue.name, options: options)
        }
    }

    /// Declares the task queue, retrying with back-off until it succeeds, or until graceful shutdown.
    public func run() async throws {
        let backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(5))
        await cancelWhenGracefulShutdown {
            var attempt = 0
            while !Task.isCancelled && !self.declared.withLock({ $0 }) {
                do {
                    try await self.declare()
                } catch {
                    attempt += 1
                    self.logger.warning("could not declare the task queue yet", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: backoff.delay(attempt: attempt))
                }
            }
        }
    }

    private func declare() async throws {
        try await producer.declare(queue)
        declared.withLock { $0 = true }
    }
}
