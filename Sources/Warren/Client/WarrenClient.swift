import Logging
import ServiceLifecycle
import Synchronization
import WarrenAMQP

/// Warren's front door: one object that owns the connection to RabbitMQ and the configuration that
/// producing and consuming share. It is a swift-service-lifecycle `Service`: add it to the
/// application's `ServiceGroup` in one line, and enqueue from anywhere.
///
/// ```swift
/// let warren = WarrenClient(configuration: .init(amqp: try .fromEnvironment(), queues: [emails]))
/// let app = Application(router: router, services: [warren])   // Hummingbird; Vapor: a ServiceGroup
/// // In a request handler:
/// try await warren.enqueue(SendWelcomeEmail(userID: 7, address: "a@example.com"), to: emails)
/// ```
///
/// Creating a client starts nothing. ``run()`` connects, declares ``Configuration/queues``, and from then
/// on reconnects in the background as soon as the connection is lost, rather than on the next enqueue;
/// it returns on graceful shutdown once the enqueues under way are confirmed (within
/// ``Configuration/shutdownGracePeriod``). A client whose `run()` is not running still works: it
/// connects on the first enqueue and reconnects on demand.
///
/// Enqueues are published with confirms: when ``enqueue(_:to:options:)->EnqueuedTask`` returns, the broker has the
/// task (see ``TaskProducer``). The client declares a task queue before its first enqueue to it, and
/// again if the broker says it is gone, so producers may start before any worker.
///
/// Workers come from the same client (``worker(for:tasks:logger:configure:)``), with its broker, failover
/// endpoints, back-off and topology; each is a `Service` of its own with its own connections, so that a
/// broker that blocks publishers never holds up a worker's acks.
public final class WarrenClient: Service, TaskEnqueuer, Sendable {
    /// The configuration.
    public let configuration: Configuration
    /// The producer on the client's connection, for what the client does not wrap: enqueues by queue
    /// name, raw JSON bodies.
    public let producer: TaskProducer
    let connections: ReconnectingConnection
    let logger: Logger
    /// Task queues declared on the broker, by name.
    let declared = Mutex<Set<String>>([])
    private let stopping = Atomic<Bool>(false)

    /// A client; nothing is connected until ``run()`` or the first call that needs the broker.
    public init(configuration: Configuration, logger: Logger = Logger(label: "warren.client")) {
        self.configuration = configuration
        self.logger = logger
        self.connections = ReconnectingConnection(
            configuration: .init(
                endpoints: configuration.endpoints(role: "client"),
                backoff: configuration.reconnectBackoff,
                waitLimit: configuration.connectionWaitLimit
            ),
            logger: logger
        )
        var producerConfiguration = configuration.producer
        producerConfiguration.topology = configuration.topology
        producerConfiguration.tracer = producerConfiguration.tracer ?? configuration.tracer
        self.producer = TaskProducer(connection: connections, configuration: producerConfiguration, logger: logger)
    }

    /// True while the client is connected and has declared every queue of ``Configuration/queues``:
    /// what a readiness probe asks.
    public var isReady: Bool {
        guard connections.isConnected else { return false }
        let declared = self.declared.withLock { $0 }
        return configuration.queues.allSatisfy { declared.contains($0.name) }
    }

    /// How many connections the client opened so far; it grows by one with each recovery.
    public var connectionCount: Int { connections.connectionCount }

    /// Keeps the connection up and declares the configured queues, until graceful shutdown (then waits
    /// for the enqueues under way, within ``Configuration/shutdownGracePeriod``, and closes) or
    /// cancellation (closes at once). Enqueues after that throw.
    /// - Throws: ``WarrenError`` `.brokerRefused` for what reconnecting cannot fix (wrong credentials, a
    ///   missing virtual host), with the broker's `AMQPError` as ``WarrenError/amqpError``.
    public func run() async throws {
        enum Ended: Sendable {
            case connections((any Error)?)
            case declared
            case shutdownRequested
        }
        let failure: (any Error)? = await withTaskGroup(of: Ended.self) { group in
            group.addTask {
                do {
                    try await self.connections.run()
                    return .connections(nil)
                } catch {
                    return .connections(error)
                }
            }
            group.addTask {
                await self.declareConfiguredQueues()
                return .declared
            }
            group.addTask {
                try? await gracefulShutdown()
                return .shutdownRequested
            }
            var failure: (any Error)?
            while let ended = await group.next() {
                switch ended {
                case .declared:
                    continue
                case .shutdownRequested:
                    await stop(graceful: !Task.isCancelled)
                case .connections(let error):
                    failure = error
                    stopping.store(true, ordering: .relaxed)
                    group.cancelAll()
                }
            }
            return failure
        }
        if let failure {
            logger.error("client stopped", metadata: ["error": "\(failure)"])
            throw WarrenError(
                .brokerRefused,
                "the broker refused the client's connection; check the user, password, virtual host and TLS settings",
                operation: "connect",
                underlying: failure
            )
        }
        logger.debug("client stopped")
    }

    /// Stops the client without a service group (a script, a test): waits for the enqueues under way,
    /// within ``Configuration/shutdownGracePeriod``, and closes the connection. Enqueues after that
    /// throw. A running ``run()`` returns.
    public func shutdown() async {
        await stop(graceful: true)
    }

    /// Stops taking enqueues, lets the ones under way finish (when graceful), and closes the connection.
    private func stop(graceful: Bool) async {
        stopping.store(true, ordering: .relaxed)
        if graceful {
            let limit = configuration.shutdownGracePeriod
            let producer = self.producer
            let idle = await succeeds(within: limit) { (try? await producer.waitUntilIdle()) != nil }
            if !idle {
                logger.warning("shutdown grace period over; closing with enqueues unconfirmed", metadata: ["limit": "\(limit)"])
            }
        }
        await connections.shutdown()
    }

    /// Throws when the client has stopped.
    func checkRunning(_ operation: String, queue: String? = nil, exchange: String? = nil) throws {
        guard !stopping.load(ordering: .relaxed) else {
            throw WarrenError(
                .shutDown,
                "the Warren client has shut down; enqueue before its service stops",
                operation: operation,
                queue: queue,
                exchange: exchange
            )
        }
    }

    /// Declares ``Configuration/queues``, retrying with back-off until each is declared or the client
    /// stops.
    private func declareConfiguredQueues() async {
        var attempt = 0
        for queue in configuration.queues {
            while !Task.isCancelled && !stopping.load(ordering: .relaxed) {
                do {
                    try await declareIfNeeded(queue)
                    break
                } catch {
                    attempt += 1
                    let pause = configuration.reconnectBackoff.delay(attempt: attempt)
                    logger.warning(
                        "could not declare the task queue yet",
                        metadata: ["queue": "\(queue.name)", "error": "\(error)", "retry_in": "\(pause)"]
                    )
                    try? await Task.sleep(for: pause)
                }
            }
        }
    }
}
