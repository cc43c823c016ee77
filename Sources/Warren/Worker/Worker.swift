import Foundation
import Logging
import ServiceLifecycle
import WarrenAMQP

/// Consumes a task queue and runs its tasks: a swift-service-lifecycle `Service`.
///
/// ```swift
/// var tasks = TaskRegistry()
/// tasks.register(SendWelcomeEmail.self) { task, context in try await mailer.send(to: task.address) }
/// let worker = Worker(configuration: .init(amqp: try .fromEnvironment(), queue: TaskQueue("emails")), tasks: tasks)
/// let group = ServiceGroup(services: [worker], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
///
/// A message is acked only after its handler returned. A handler that throws is retried with
/// back-off (``RetryPolicy``) through the delay exchanges, and after its last attempt, or at once for
/// ``PermanentFailure`` and poison input, it is published to `Q.dead` with the reason in its headers.
/// On graceful shutdown the worker stops taking deliveries, lets running handlers finish within
/// ``Configuration/shutdownGracePeriod``, acks them, and closes; unacked messages go back to the queue.
/// Cancelling ``run()`` stops at once; the broker requeues whatever was not acked.
public struct Worker: Service {
    /// The configuration.
    public let configuration: Configuration
    /// The handlers.
    public let tasks: TaskRegistry
    private let logger: Logger

    /// A worker with its configuration and handlers.
    public init(configuration: Configuration, tasks: TaskRegistry, logger: Logger = Logger(label: "warren.worker")) {
        self.configuration = configuration
        self.tasks = tasks
        var logger = logger
        logger[metadataKey: "queue"] = "\(configuration.queue.name)"
        self.logger = logger
    }

    /// Runs until graceful shutdown or cancellation, or until the consumer fails (connection lost,
    /// queue deleted), which it throws.
    public func run() async throws {
        try configuration.queue.validate()
        let consuming = try await AMQPConnection.connect(named("consume"), logger: logger)
        let publishing: AMQPConnection
        do {
            publishing = try await AMQPConnection.connect(named("publish"), logger: logger)
        } catch {
            await consuming.close()
            throw error
        }
        do {
            try await consume(on: consuming, publishingOn: publishing)
        } catch {
            await consuming.close()
            await publishing.close()
            throw error
        }
        await consuming.close()
        await publishing.close()
    }

    private func consume(on consuming: AMQPConnection, publishingOn publishing: AMQPConnection) async throws {
        let queue = configuration.queue
        if configuration.declareTopology {
            try await consuming.withChannel { channel in
                try await configuration.topology.declare(queue, on: channel)
            }
        }
        let processor = TaskProcessor(
            queue: queue.name,
            registry: tasks,
            retryPolicy: configuration.retryPolicy,
            timeLimit: configuration.timeLimit,
            publisher: ConfirmedPublisher(connection: publishing, maxOutstanding: 256),
            failures: FailureMessages(queue: queue.name, topology: configuration.topology),
            metrics: WorkerMetrics(queue: queue.name),
            logger: logger
        )
        let channel = try await consuming.openChannel()
        try await channel.basicQos(prefetchCount: configuration.effectivePrefetch)
        let consumer = try await channel.consume(queue: queue.name, consumerTag: Self.consumerTag(queue.name))
        logger.info(
            "worker started",
            metadata: [
                "concurrency": "\(configuration.concurrency)", "prefetch": "\(configuration.effectivePrefetch)",
                "tasks": "\(tasks.taskNames.joined(separator: ","))",
            ]
        )

        var consumerError: (any Error)?
        let slots = ConcurrencyLimit(configuration.concurrency)
        await withDiscardingTaskGroup { group in
            do {
                for try await delivery in consumer.cancelOnGracefulShutdown() {
                    try await slots.acquire()
                    if Task.isShuttingDownGracefully {
                        // Not started: it goes back to the queue when the channel closes.
                        slots.release()
                        break
                    }
                    group.addTask {
                        defer { slots.release() }
                        await processor.process(delivery)
                    }
                }
            } catch {
                consumerError = error
            }
            // No new deliveries: cancel the consumer (what it already sent but we did not start goes
            // back to the queue when the channel closes).
            try? await consumer.cancel()
            let running = slots.running
            guard running > 0 else { return }
            logger.info("waiting for running tasks", metadata: ["running": "\(running)"])
            if await !Self.waitUntilIdle(slots, within: configuration.shutdownGracePeriod) {
                logger.warning(
                    "shutdown grace period over; cancelling running tasks",
                    metadata: ["running": "\(slots.running)"]
                )
                group.cancelAll()
            }
        }
        try? await channel.close()
        if let consumerError, !Task.isCancelled {
            logger.error("worker stopped: its consumer failed", metadata: ["error": "\(consumerError)"])
            throw consumerError
        }
        logger.info("worker stopped")
    }

    /// Waits until no task runs, at most `limit`; returns false when the time ran out first.
    private static func waitUntilIdle(_ slots: ConcurrencyLimit, within limit: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await slots.waitUntilIdle()) != nil }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let idle = await group.next() ?? false
            group.cancelAll()
            return idle
        }
    }

    private func named(_ role: String) -> AMQPConnection.Configuration {
        var amqp = configuration.amqp
        amqp.connectionName = "\(amqp.connectionName ?? "warren-worker") \(configuration.queue.name) \(role)"
        return amqp
    }

    private static func consumerTag(_ queue: String) -> String {
        let host = ProcessInfo.processInfo.hostName
        return "warren-\(queue)-\(host)-\(getpid())-\(UInt16.random(in: 0...UInt16.max))"
    }
}
