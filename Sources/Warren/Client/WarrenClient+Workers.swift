import Logging
import WarrenAMQP

extension WarrenClient {
    /// A worker for `queue` with this client's broker, failover endpoints, reconnect back-off and
    /// topology. Add it to a `ServiceGroup`; it opens its own connections when it runs.
    ///
    /// ```swift
    /// let worker = warren.worker(for: emails, tasks: tasks) { $0.concurrency = 32 }
    /// ```
    /// - Parameters:
    ///   - queue: The task queue to consume.
    ///   - tasks: The handlers.
    ///   - logger: The worker's logger; one labelled `warren.worker` when nil.
    ///   - configure: Changes the rest of the worker's settings (concurrency, retries, middlewares, …).
    public func worker(
        for queue: TaskQueue,
        tasks: TaskRegistry,
        logger: Logger? = nil,
        configure: (inout Worker.Configuration) -> Void = { _ in }
    ) -> Worker {
        var workerConfiguration = Worker.Configuration(
            amqp: configuration.amqp,
            queue: queue,
            topology: configuration.topology,
            failoverEndpoints: configuration.failoverEndpoints,
            reconnectBackoff: configuration.reconnectBackoff,
            tracer: configuration.tracer
        )
        configure(&workerConfiguration)
        return Worker(configuration: workerConfiguration, tasks: tasks, logger: logger ?? Logger(label: "warren.worker"))
    }

    /// The dead letters of `queue`, to list, replay and purge, read over the client's connection.
    public func deadLetters(of queue: TaskQueue) -> DeadLetterQueue {
        DeadLetterQueue(for: queue, on: connections)
    }
}
