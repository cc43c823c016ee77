#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Synchronization
import Tracing
import WarrenAMQP

/// Publishes tasks as persistent JSON messages with publisher confirms: when `enqueue(_:to:options:)`
/// returns, the broker has the task (on disk, for a durable queue).
///
/// ```swift
/// let producer = TaskProducer(connection: connection)
/// try await producer.enqueue(SendWelcomeEmail(userID: 7, address: "a@example.com"), to: "emails")
/// ```
///
/// A task that no queue receives is an error (`AMQPError.unroutable`), never a silent drop: the
/// queue must exist (a worker declares it, or call ``declare(_:topology:)``). Concurrent enqueues are
/// pipelined on one channel. The producer does not own the connection; close it yourself.
///
/// Given a `ReconnectingConnection`, the producer survives connection losses: an enqueue whose
/// confirm had not arrived is published again on the next connection (at-least-once; the same message
/// id marks a possible duplicate), within ``Configuration/retryLimit``; while the broker blocks
/// publishing, enqueues wait up to ``Configuration/blockedLimit``. Given a plain `AMQPConnection`,
/// a lost connection fails the enqueue.
public final class TaskProducer: TaskEnqueuer, Sendable {
    /// Producer settings.
    public struct Configuration: Sendable {
        /// The most enqueues waiting for confirms at once; more wait in the client.
        public var maxOutstandingConfirms: Int
        /// The AMQP `app_id` put on every message.
        public var appID: String?
        /// The delay exchanges used for delayed tasks.
        public var topology: Topology
        /// How long an enqueue keeps trying across connection losses (with a reconnecting
        /// connection) before it throws.
        public var retryLimit: Duration
        /// How long an enqueue waits while the broker blocks publishing before it throws.
        public var blockedLimit: Duration
        /// The most enqueues held in memory at once (in flight or waiting for a connection); more
        /// callers wait.
        public var maxPendingEnqueues: Int
        /// The tracer for a producer span per enqueue (`publish <queue>`), whose context goes into the
        /// message's headers (`traceparent`, `tracestate` with OpenTelemetry's propagator); nil (the
        /// default) uses the bootstrapped `InstrumentationSystem.tracer`, read when the producer is
        /// made. With none bootstrapped, no spans are made and no headers added.
        public var tracer: (any Tracer)?

        /// Creates settings.
        public init(
            maxOutstandingConfirms: Int = 1024,
            appID: String? = nil,
            topology: Topology = Topology(),
            retryLimit: Duration = .seconds(60),
            blockedLimit: Duration = .seconds(60),
            maxPendingEnqueues: Int = 10_000,
            tracer: (any Tracer)? = nil
        ) {
            self.tracer = tracer
            self.maxOutstandingConfirms = maxOutstandingConfirms
            self.appID = appID
            self.topology = topology
            self.retryLimit = retryLimit
            self.blockedLimit = blockedLimit
            self.maxPendingEnqueues = maxPendingEnqueues
        }
    }

    private let publisher: ConfirmedPublisher
    private let configuration: Configuration
    /// A producer span per enqueue; nil without a tracer.
    private let tracing: TaskTracing?
    /// Queues known to be bound to the delay delivery exchange.
    private let delayRoutes = Mutex<Set<String>>([])

    /// A producer publishing on `connection`: an `AMQPConnection`, or a `ReconnectingConnection`
    /// to survive connection losses.
    public init(
        connection: any AMQPConnectionProvider,
        configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "warren.producer")
    ) {
        self.publisher = ConfirmedPublisher(
            connections: connection,
            settings: .init(
                maxOutstanding: configuration.maxOutstandingConfirms,
                maxPending: configuration.maxPendingEnqueues,
                retryLimit: configuration.retryLimit,
                blockedLimit: configuration.blockedLimit
            ),
            logger: logger
        )
        self.configuration = configuration
        self.tracing = TaskTracing.resolve(configuration.tracer)
    }

    /// Enqueues a task on a queue and returns once the broker confirmed it.
    /// - Throws: ``WarrenError``: `.encodingFailed` when the task does not encode; `.unroutable` when
    ///   no such queue exists; `.rejected`, `.brokerBlocked` or `.brokerUnavailable` when the broker
    ///   did not confirm it within the limits (``Configuration``); `.invalidArgument` for options that
    ///   cannot go together.
    @discardableResult
    public func enqueue<TaskType: WarrenTask>(
        _ task: TaskType,
        to queue: String,
        options: EnqueueOptions = EnqueueOptions()
    ) async throws -> EnqueuedTask {
        let messageID = options.messageID ?? Self.newMessageID()
        do {
            let body = try Self.encode(task)
            let (message, receipt) = try await prepare(body: body, taskName: TaskType.name, messageID: messageID, queue: queue, options: options)
            try await send(message, to: queue, taskName: TaskType.name, messageID: messageID)
            return receipt
        } catch {
            throw WarrenError.enqueue(error, taskName: TaskType.name, messageID: messageID, queue: queue)
        }
    }

    /// Enqueues a task on a task queue (by its name; the producer does not declare it, see
    /// ``declare(_:topology:)``) and returns once the broker confirmed it.
    @discardableResult
    public func enqueue<TaskType: WarrenTask>(
        _ task: TaskType,
        to queue: TaskQueue,
        options: EnqueueOptions = EnqueueOptions()
    ) async throws -> EnqueuedTask {
        try await enqueue(task, to: queue.name, options: options)
    }

    /// Enqueues several tasks of one type in one pipelined batch and returns once every one is
    /// confirmed. `options.messageID` must be nil (each task gets its own id).
    @discardableResult
    public func enqueue<TaskType: WarrenTask>(
        _ tasks: [TaskType],
        to queue: String,
        options: EnqueueOptions = EnqueueOptions()
    ) async throws -> [EnqueuedTask] {
        do {
            try options.checkBatch()
            var messages: [AMQPOutboundMessage] = []
            var receipts: [EnqueuedTask] = []
            messages.reserveCapacity(tasks.count)
            receipts.reserveCapacity(tasks.count)
            for task in tasks {
                let (message, receipt) = try await prepare(
                    body: try Self.encode(task), taskName: TaskType.name, messageID: Self.newMessageID(), queue: queue, options: options
                )
                messages.append(message)
                receipts.append(receipt)
            }
            if let tracing {
                try await tracing.producing(
                    destination: queue, isExchange: false, taskName: TaskType.name, messageID: nil, messages: messages.count
                ) { inject in
                    for index in messages.indices { inject(&messages[index]) }
                    try await publisher.publish(messages)
                }
            } else {
                try await publisher.publish(messages)
            }
            return receipts
        } catch {
            throw WarrenError.enqueue(error, taskName: TaskType.name, messageID: nil, queue: queue)
        }
    }

    /// Enqueues a task given as JSON bytes, for tools and bridges that do not have the Swift type.
    /// The body is sent as it is; the worker checks it.
    @discardableResult
    public func enqueue(
        body: [UInt8],
        taskName: String,
        to queue: String,
        options: EnqueueOptions = EnqueueOptions()
    ) async throws -> EnqueuedTask {
        let messageID = options.messageID ?? Self.newMessageID()
        do {
            let (message, receipt) = try await prepare(body: body, taskName: taskName, messageID: messageID, queue: queue, options: options)
            try await send(message, to: queue, taskName: taskName, messageID: messageID)
            return receipt
        } catch {
            throw WarrenError.enqueue(error, taskName: taskName, messageID: messageID, queue: queue)
        }
    }

    /// Publishes a task as an event to an exchange (fan-out or topic), so that every task queue bound
    /// to it gets a copy, with its own retries and dead letters. At least one queue must be bound.
    @discardableResult
    public func publish<TaskType: WarrenTask>(
        _ task: TaskType,
        toExchange exchange: String,
        routingKey: String = "",
        options: EnqueueOptions = EnqueueOptions()
    ) async throws -> EnqueuedTask {
        let messageID = options.messageID ?? Self.newMessageID()
        do {
            guard options.delay == nil else {
                throw WarrenError(.invalidArgument, "events cannot be delayed; enqueue delayed tasks to a queue")
            }
            let message = AMQPOutboundMessage(
                body: try Self.encode(task),
                exchange: exchange,
                routingKey: routingKey,
                mandatory: true,
                properties: properties(taskName: TaskType.name, messageID: messageID, options: options)
            )
            try await send(message, to: exchange, isExchange: true, taskName: TaskType.name, messageID: messageID)
            return EnqueuedTask(messageID: messageID, taskName: TaskType.name, destination: exchange)
        } catch {
            throw WarrenError.enqueue(error, operation: "publish", taskName: TaskType.name, messageID: messageID, exchange: exchange)
        }
    }

    /// Declares a task queue's topology (as a worker does), for producers that start first.
    ///
    /// Tolerant like a worker's declaration: a queue that exists with other arguments is used as it
    /// is and reported in the result (see ``TopologyMismatch``), never a 406.
    /// - Parameters:
    ///   - queue: The task queue.
    ///   - topology: The topology to declare it in; nil for the producer's own
    ///     (``Configuration/topology``). Only the producer's own topology's delay route is remembered
    ///     as declared for later delayed enqueues.
    /// - Returns: The queues that exist with other arguments.
    @discardableResult
    public func declare(_ queue: TaskQueue, topology: Topology? = nil) async throws -> [TopologyMismatch] {
        let topology = topology ?? configuration.topology
        let mismatches: [TopologyMismatch]
        do {
            mismatches = try await topology.declare(queue, on: publisher.connections.connection())
        } catch {
            throw WarrenError.enqueue(error, operation: "declare", taskName: nil, messageID: nil, queue: queue.name)
        }
        if topology.delays == configuration.topology.delays {
            delayRoutes.withLock { _ = $0.insert(queue.name) }
        }
        return mismatches
    }

    /// Publishes one message with its confirm, inside a producer span when tracing.
    private func send(
        _ message: AMQPOutboundMessage,
        to destination: String,
        isExchange: Bool = false,
        taskName: String,
        messageID: String
    ) async throws {
        guard let tracing else {
            try await publisher.publish(message)
            return
        }
        try await tracing.producing(destination: destination, isExchange: isExchange, taskName: taskName, messageID: messageID, messages: 1) { inject in
            var message = message
            inject(&message)
            try await publisher.publish(message)
        }
    }

    /// Waits until no enqueue is under way (for a graceful shutdown).
    func waitUntilIdle() async throws {
        try await publisher.waitUntilIdle()
    }

    // MARK: - Building messages

    private func prepare(
        body: [UInt8],
        taskName: String,
        messageID: String,
        queue: String,
        options: EnqueueOptions
    ) async throws -> (AMQPOutboundMessage, EnqueuedTask) {
        let properties = properties(taskName: taskName, messageID: messageID, options: options)
        let receipt = EnqueuedTask(messageID: messageID, taskName: taskName, destination: queue)
        let units = options.delay.map(DelayRouting.units(for:)) ?? 0
        try options.check(queue: queue)
        guard units > 0 else {
            return (AMQPOutboundMessage(body: body, routingKey: queue, mandatory: true, properties: properties), receipt)
        }
        try await ensureDelayRoute(to: queue)
        let delays = configuration.topology.delays
        let message = AMQPOutboundMessage(
            body: body,
            exchange: delays.entryExchange(units: units),
            routingKey: delays.routingKey(units: units, queue: queue),
            mandatory: true,
            properties: properties
        )
        return (message, receipt)
    }

    private func properties(taskName: String, messageID: String, options: EnqueueOptions) -> AMQPProperties {
        Self.properties(taskName: taskName, messageID: messageID, options: options, appID: configuration.appID)
    }

    /// The properties of a task message, as every producer of Warren sets them.
    package static func properties(taskName: String, messageID: String, options: EnqueueOptions, appID: String?) -> AMQPProperties {
        AMQPProperties(
            contentType: "application/json",
            contentEncoding: "utf-8",
            headers: options.headers.isEmpty ? nil : options.headers,
            deliveryMode: .persistent,
            priority: options.priority,
            correlationID: options.correlationID,
            expiration: options.expiration.map(AMQPProperties.expiration(after:)),
            messageID: messageID,
            timestamp: Date(),
            type: taskName,
            appID: appID
        )
    }

    /// A delayed message is only checked for routability when it enters the delay exchanges, so make
    /// sure, once per queue, that the queue exists and the delay route ends in it.
    private func ensureDelayRoute(to queue: String) async throws {
        guard !delayRoutes.withLock({ $0.contains(queue) }) else { return }
        let topology = configuration.topology
        try await publisher.connections.connection().withChannel { channel in
            try await topology.declareDelayInfrastructure(on: channel)
            try await topology.bindDelayDelivery(queue, on: channel)
        }
        delayRoutes.withLock { _ = $0.insert(queue) }
    }

    package static func encode<TaskType: WarrenTask>(_ task: TaskType) throws -> [UInt8] {
        try TaskJSON.encode(task)
    }

    package static func newMessageID() -> String {
        MessageIDs.next()
    }
}
