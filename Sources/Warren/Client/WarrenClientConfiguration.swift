import Tracing
import WarrenAMQP

extension WarrenClient {
    /// Where the broker is, and what producing and consuming share.
    public struct Configuration: Sendable {
        /// The broker.
        public var amqp: AMQPConnection.Configuration
        /// Further brokers (the other nodes of a cluster), tried in order after ``amqp`` when
        /// (re)connecting.
        public var failoverEndpoints: [AMQPConnection.Configuration]
        /// The pause between reconnection rounds.
        public var reconnectBackoff: Backoff
        /// How long an enqueue waits for a connection (while none of the brokers answers) before it
        /// throws. An enqueue's whole time is bounded by this and the producer's `retryLimit`.
        public var connectionWaitLimit: Duration
        /// Names of the shared exchanges and delay queues, for the producer and for every worker the
        /// client makes.
        public var topology: Topology
        /// Task queues declared (tolerantly, as a worker declares them) as soon as the client is
        /// connected, so the application can enqueue before any worker has started.
        public var queues: [TaskQueue]
        /// Enqueue settings. Its `topology` is replaced by ``topology``.
        public var producer: TaskProducer.Configuration
        /// The tracer for the producer's spans and for every worker the client makes; nil (the
        /// default) uses the bootstrapped `InstrumentationSystem.tracer`. docs/observability.md.
        public var tracer: (any Tracer)?
        /// On graceful shutdown, how long enqueues already under way may take to be confirmed before the
        /// connection closes under them.
        public var shutdownGracePeriod: Duration

        /// A client of the broker at `amqp`.
        public init(
            amqp: AMQPConnection.Configuration,
            failoverEndpoints: [AMQPConnection.Configuration] = [],
            reconnectBackoff: Backoff = Backoff(),
            connectionWaitLimit: Duration = .seconds(30),
            topology: Topology = Topology(),
            queues: [TaskQueue] = [],
            producer: TaskProducer.Configuration = TaskProducer.Configuration(),
            shutdownGracePeriod: Duration = .seconds(10),
            tracer: (any Tracer)? = nil
        ) {
            self.tracer = tracer
            self.amqp = amqp
            self.failoverEndpoints = failoverEndpoints
            self.reconnectBackoff = reconnectBackoff
            self.connectionWaitLimit = connectionWaitLimit
            self.topology = topology
            self.queues = queues
            self.producer = producer
            self.shutdownGracePeriod = shutdownGracePeriod
        }

        /// Every endpoint, ``amqp`` first, each named for its role in the broker's connection list.
        func endpoints(role: String) -> [AMQPConnection.Configuration] {
            ([amqp] + failoverEndpoints).map { endpoint in
                var endpoint = endpoint
                endpoint.connectionName = endpoint.connectionName ?? "warren \(role)"
                return endpoint
            }
        }
    }
}
