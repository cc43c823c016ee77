#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
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
///
/// When the connection is lost (broker restart, network, missed heartbeats) the worker reconnects,
/// trying ``Configuration/amqp`` and then ``Configuration/failoverEndpoints`` with back-off,
/// re-declares the topology, re-applies the prefetch and restarts its consumer. Handlers still
/// running finish; their deliveries died with the old connection, so the broker delivers those
/// messages again (with `redelivered` set) instead of taking an ack on the new one.
///
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

    /// Runs until graceful shutdown or cancellation. Throws only what reconnecting cannot fix: wrong
    /// credentials, a missing virtual host, an invalid configuration.
    public func run() async throws {
        try configuration.queue.validate()
        let consuming = reconnecting("consume")
        let publishing = reconnecting("publish")
        let events = configuration.events.map {
            EventEmitter(settings: $0, connections: publishing, queue: configuration.queue.name, logger: logger)
        }
        let processor = TaskProcessor(
            runner: TaskRunner(
                queue: configuration.queue.name,
                registry: tasks,
                retryPolicy: configuration.retryPolicy,
                timeLimit: configuration.timeLimit,
                chain: MiddlewareChain(
                    logging: LoggingMiddleware(logger: logger),
                    metrics: MetricsMiddleware(metrics: WorkerMetrics(queue: configuration.queue.name)),
                    events: events.map { EventsMiddleware(events: $0, workerName: "\(ProcessInfo.processInfo.hostName)-\(getpid())") },
                    middlewares: configuration.middlewares
                ),
                tracing: TaskTracing.resolve(configuration.tracer),
                logger: logger
            ),
            publisher: ConfirmedPublisher(connections: publishing, settings: .init(maxOutstanding: 256), logger: logger),
            failures: FailureMessages(queue: configuration.queue.name, topology: configuration.topology),
            logger: logger
        )
        // Events are published beside the work, and flushed once the last handler is done.
        let fatal: (any Error)? = await withTaskGroup(of: Void.self) { publishingEvents in
            if let events { publishingEvents.addTask { await events.run() } }
            let fatal = await consume(on: consuming, processor: processor)
            events?.stop()
            return fatal
        }
        await consuming.shutdown()
        await publishing.shutdown()
        if let fatal {
            logger.error("worker stopped", metadata: ["error": "\(fatal)"])
            throw fatal
        }
        logger.info("worker stopped")
    }

    /// Consumes until graceful shutdown or cancellation, starting a new consumer session after each
    /// loss, then lets running handlers finish. Returns the error that ended it, if any.
    private func consume(on consuming: ReconnectingConnection, processor: TaskProcessor) async -> (any Error)? {
        let slots = ConcurrencyLimit(configuration.concurrency)
        var fatal: (any Error)?
        await withDiscardingTaskGroup { group in
            var failures = 0
            var reportedMismatches: Set<String> = []
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                do {
                    try await consumeSession(on: consuming, slots: slots, processor: processor, group: &group, reported: &reportedMismatches) {
                        // Consuming again: the next loss starts its back-off from the beginning.
                        failures = 0
                    }
                    break  // graceful shutdown
                } catch let error as AMQPError where error.isPermanent {
                    fatal = error
                    break
                } catch {
                    guard !Task.isCancelled && !Task.isShuttingDownGracefully else { break }
                    failures += 1
                    let pause = configuration.reconnectBackoff.delay(attempt: failures)
                    logger.warning(
                        "consumer stopped; resuming (on a new connection if this one is gone)",
                        metadata: ["cause": "\(error)", "retry_in": "\(pause)"]
                    )
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
                    continue
                }
            }
            await drain(slots, group: &group)
        }
        return fatal
    }

    /// One consumer on one connection: declare, qos, consume until graceful shutdown (returns) or the
    /// consumer fails (throws). Handlers are added to the worker-wide `group`, so they outlive a lost
    /// connection.
    private func consumeSession(
        on connections: ReconnectingConnection,
        slots: ConcurrencyLimit,
        processor: TaskProcessor,
        group: inout DiscardingTaskGroup,
        reported: inout Set<String>,
        consuming: () -> Void
    ) async throws {
        let queue = configuration.queue
        let connection = try await cancelWhenGracefulShutdown { try await connections.connection() }
        if configuration.declareTopology {
            // Tolerant: a queue that exists with other arguments (an older Warren's, another
            // producer's) is used as it is, with one warning per queue for the life of the worker.
            let mismatches: [TopologyMismatch]
            do {
                mismatches = try await configuration.topology.declareTaskQueue(queue, on: connection)
            } catch let error as AMQPError where error.code == .channelClosed && [403, 405, 406].contains(error.replyCode) {
                // The broker refuses the topology itself (an exchange of another type, no permission):
                // reconnecting cannot fix that.
                throw AMQPError(
                    .invalidArgument,
                    "the broker refused the topology of task queue '\(queue.name)'; check what exists under these names",
                    replyCode: error.replyCode, replyText: error.replyText, operation: error.operation, object: error.object,
                    underlying: error
                )
            }
            for mismatch in mismatches where reported.insert(mismatch.queue).inserted {
                logger.warning("\(mismatch)")
            }
            do {
                try await connection.withChannel { channel in
                    try await configuration.topology.declareDelayInfrastructure(on: channel)
                    try await configuration.topology.bindDelayDelivery(queue.name, on: channel)
                }
            } catch {
                // The shared delay levels can be unavailable while the task queue is fine (classic
                // delay queues whose node is down): consume anyway; retries fail and come back
                // until the levels are reachable again. Clusters should use quorum delay queues.
                logger.warning(
                    "could not declare the delay levels; consuming anyway, retries may fail until they are back",
                    metadata: ["error": "\(error)"]
                )
            }
        }
        let brokerVersion = connection.brokerVersion
        let handBack = HandBack.method(for: queue.kind, broker: brokerVersion)
        var consumerArguments: AMQPTable = [:]
        let broker = brokerVersion ?? .oldestSupported
        // RabbitMQ 4.3 refuses the argument on a classic queue's consumer (406, every consume). The
        // quorum rule applies only to a queue whose declaration matched: one that exists with other
        // arguments (or was not declared) may be classic, and the classic rule is safe for both kinds.
        let knownQuorum = queue.kind == .quorum && configuration.declareTopology && !reported.contains(queue.name)
        if knownQuorum ? broker.supportsConsumerTimeoutArgument : broker.supportsConsumerTimeoutArgumentOnClassicQueues,
            let timeout = configuration.consumerTimeout(longestTimeLimit: tasks.longestTimeLimit(workerDefault: configuration.timeLimit))
        {
            consumerArguments["x-consumer-timeout"] = .int64(Int64(clamping: timeout.components.seconds) * 1000)
        }
        let channel = try await connection.openChannel()
        try await channel.basicQos(prefetchCount: configuration.effectivePrefetch)
        let consumer = try await channel.consume(
            queue: queue.name, consumerTag: Self.consumerTag(queue.name), arguments: consumerArguments
        )
        logger.info(
            "worker consuming",
            metadata: [
                "concurrency": "\(configuration.concurrency)", "prefetch": "\(configuration.effectivePrefetch)",
                "tasks": "\(tasks.taskNames.joined(separator: ","))", "connection": "\(connections.connectionCount)",
                "broker": "\(brokerVersion.map { "\($0)" } ?? "unknown")", "hand_back": "\(handBack)",
                "consumer_timeout_ms": "\(consumerArguments["x-consumer-timeout"]?.intValue.map { "\($0)" } ?? "broker default")",
            ]
        )
        consuming()
        // On graceful shutdown the consumer is cancelled at the broker, which ends the sequence.
        // (Cheaper than merging the sequence with the shutdown signal, which costs a task hop per
        // delivery.)
        try await withGracefulShutdownHandler {
            for try await delivery in consumer {
                guard try await Self.takeSlot(slots) else {
                    // Not started: back to the queue for another worker, without spending a delivery
                    // attempt. The loop goes on until the consumer's cancel-ok has handed out
                    // everything the broker sent ahead, so none is left to a rejecting give-back.
                    group.addTask { await processor.handBack(delivery, method: handBack) }
                    continue
                }
                guard channel.isOpen else {
                    // Buffered before the channel died: it cannot be acked, and the broker delivers it
                    // again on the new connection. Running it now would only make a duplicate.
                    slots.release()
                    continue
                }
                group.addTask {
                    defer { slots.release() }
                    await processor.process(delivery, handBack: handBack)
                }
            }
        } onGracefulShutdown: {
            consumer.requestCancel()
        }
        // Graceful shutdown: no new deliveries. What the broker already sent but we did not start was
        // handed back (``HandBack``), so other workers can take it while running handlers finish.
        try? await consumer.cancel()
    }

    /// Takes a concurrency slot for the next delivery; false, holding none, once graceful shutdown has
    /// begun. Waiting for a busy slot ends with graceful shutdown too: the grace period for the running
    /// handlers begins only once the consuming loop ends.
    private static func takeSlot(_ slots: ConcurrencyLimit) async throws -> Bool {
        guard !Task.isShuttingDownGracefully else { return false }
        if !slots.tryAcquire() {
            do {
                try await cancelWhenGracefulShutdown { try await slots.acquire() }
            } catch is CancellationError where Task.isShuttingDownGracefully && !Task.isCancelled {
                return false
            }
        }
        guard !Task.isShuttingDownGracefully else {
            slots.release()
            return false
        }
        return true
    }

    /// Waits for running handlers, at most the grace period; then cancels them (their messages are
    /// returned to the queue).
    private func drain(_ slots: ConcurrencyLimit, group: inout DiscardingTaskGroup) async {
        let running = slots.running
        guard running > 0 else { return }
        logger.info("waiting for running tasks", metadata: ["running": "\(running)"])
        let idle = await succeeds(within: configuration.shutdownGracePeriod) { (try? await slots.waitUntilIdle()) != nil }
        if !idle {
            logger.warning("shutdown grace period over; cancelling running tasks", metadata: ["running": "\(slots.running)"])
            group.cancelAll()
        }
    }

    private func reconnecting(_ role: String) -> ReconnectingConnection {
        let endpoints = ([configuration.amqp] + configuration.failoverEndpoints).map { endpoint in
            var endpoint = endpoint
            endpoint.connectionName = "\(endpoint.connectionName ?? "warren-worker") \(configuration.queue.name) \(role)"
            return endpoint
        }
        return ReconnectingConnection(
            configuration: .init(endpoints: endpoints, backoff: configuration.reconnectBackoff),
            logger: logger
        )
    }

    private static func consumerTag(_ queue: String) -> String {
        let host = ProcessInfo.processInfo.hostName
        return "warren-\(queue)-\(host)-\(getpid())-\(UInt16.random(in: 0...UInt16.max))"
    }
}
