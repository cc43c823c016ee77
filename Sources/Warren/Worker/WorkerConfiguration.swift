import Tracing
import WarrenAMQP

extension Worker {
    /// How a worker connects, what it consumes and how it runs tasks.
    public struct Configuration: Sendable {
        /// The broker. The worker opens two connections to it: one consuming, one publishing
        /// retries and dead letters (so a broker that blocks publishers never holds up acks).
        public var amqp: AMQPConnection.Configuration
        /// Further brokers (the other nodes of a cluster), tried in order after ``amqp`` when
        /// (re)connecting.
        public var failoverEndpoints: [AMQPConnection.Configuration]
        /// The pause between reconnection rounds.
        public var reconnectBackoff: Backoff
        /// Task lifecycle events (`task.started`, `task.succeeded`, …) to a topic exchange; nil
        /// (the default) publishes none. See ``TaskEvents``.
        public var events: TaskEvents?
        /// The task queue to consume.
        public var queue: TaskQueue
        /// Handlers running at once in this process. The default suits I/O-bound handlers; use about
        /// the number of cores for CPU-bound ones.
        public var concurrency: Int
        /// Unacknowledged deliveries the broker may send ahead (`basic.qos`); twice the concurrency
        /// when nil, so the next task is already here when a handler finishes.
        public var prefetch: UInt16?
        /// Retries for handlers registered without a policy of their own.
        public var retryPolicy: RetryPolicy
        /// The time limit for handlers registered without one; nil means none.
        public var timeLimit: Duration?
        /// On graceful shutdown, how long running handlers may take to finish before they are
        /// cancelled and their messages returned to the queue.
        public var shutdownGracePeriod: Duration
        /// Declare the queue's topology at start (idempotent). Turn off where an operator owns it.
        public var declareTopology: Bool
        /// Names of the shared exchanges and delay queues.
        public var topology: Topology
        /// The application's middlewares, run around every task, the first outermost, inside the
        /// worker's own (logging, metrics, lifecycle events). See ``TaskMiddleware``.
        public var middlewares: [any TaskMiddleware]
        /// The tracer for a consumer span per attempt (`process <task>`), the child of the trace context
        /// in the message's headers; nil (the default) uses the bootstrapped
        /// `InstrumentationSystem.tracer`, read when the worker starts. With none bootstrapped, no
        /// spans are made. See docs/observability.md.
        public var tracer: (any Tracer)?

        /// A worker for `queue` on the broker at `amqp`.
        public init(
            amqp: AMQPConnection.Configuration,
            queue: TaskQueue,
            concurrency: Int = 16,
            prefetch: UInt16? = nil,
            retryPolicy: RetryPolicy = .default,
            timeLimit: Duration? = nil,
            shutdownGracePeriod: Duration = .seconds(30),
            declareTopology: Bool = true,
            topology: Topology = Topology(),
            failoverEndpoints: [AMQPConnection.Configuration] = [],
            reconnectBackoff: Backoff = Backoff(),
            events: TaskEvents? = nil,
            middlewares: [any TaskMiddleware] = [],
            tracer: (any Tracer)? = nil
        ) {
            self.tracer = tracer
            self.events = events
            self.middlewares = middlewares
            self.amqp = amqp
            self.failoverEndpoints = failoverEndpoints
            self.reconnectBackoff = reconnectBackoff
            self.queue = queue
            self.concurrency = max(1, concurrency)
            self.prefetch = prefetch
            self.retryPolicy = retryPolicy
            self.timeLimit = timeLimit
            self.shutdownGracePeriod = shutdownGracePeriod
            self.declareTopology = declareTopology
            self.topology = topology
        }

        /// The prefetch actually used.
        var effectivePrefetch: UInt16 {
            prefetch ?? UInt16(clamping: concurrency * 2)
        }

        /// The acknowledgement timeout the worker asks for its consumer (`x-consumer-timeout`,
        /// RabbitMQ 3.12+), derived from the longest time limit `longestTimeLimit` of its handlers:
        /// a prefetched delivery may wait ⌈prefetch / concurrency⌉ rounds of the longest task before
        /// its handler starts, then runs one round itself, and publishing its retry or dead letter
        /// takes a little more; one minute is added for that. nil (the broker's `consumer_timeout`
        /// applies, 30 minutes by default) when some handler has no time limit.
        func consumerTimeout(longestTimeLimit: Duration?) -> Duration? {
            guard let longestTimeLimit else { return nil }
            let prefetch = max(1, Int(effectivePrefetch))
            let rounds = (prefetch + concurrency - 1) / concurrency + 1
            return longestTimeLimit * rounds + .seconds(60)
        }
    }
}
