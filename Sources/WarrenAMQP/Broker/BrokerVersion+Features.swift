/// What changed between RabbitMQ versions that a client must act on. Each property says which
/// versions it was measured on (docs/operating.md, "What changes with the broker version").
extension BrokerVersion {
    /// The oldest RabbitMQ Warren supports and tests: 3.10. Used when a broker announces no version.
    public static let oldestSupported = BrokerVersion(3, 10, 0)

    /// Quorum queues honour message priorities (RabbitMQ 4.0 and later: two levels, priority 5 and
    /// above before the rest) without an `x-max-priority` argument; 3.x refuses priorities on quorum
    /// queues with 406.
    public var supportsQuorumQueuePriorities: Bool { self >= BrokerVersion(4, 0) }

    /// A consumer may carry its own acknowledgement timeout (`x-consumer-timeout`, RabbitMQ 3.12 and
    /// later) instead of the broker-wide `consumer_timeout`.
    public var supportsConsumerTimeoutArgument: Bool { self >= BrokerVersion(3, 12) }

    /// Whether a consumer of a classic queue may carry `x-consumer-timeout`: 3.12 up to 4.2. From
    /// 4.3 each queue type enforces consumer timeouts itself and classic queues have none: 4.3.0 and
    /// 4.3.1 ignore the argument, 4.3.2 and later refuse `basic.consume` with 406 PRECONDITION_FAILED
    /// ("invalid arg 'x-consumer-timeout' ... of queue type rabbit_classic_queue"; measured on 4.3.6,
    /// accepted on 4.0.5). Quorum queues accept it on every version from 3.12
    /// (``supportsConsumerTimeoutArgument``).
    public var supportsConsumerTimeoutArgumentOnClassicQueues: Bool {
        supportsConsumerTimeoutArgument && self < BrokerVersion(4, 3)
    }

    /// A quorum queue declared without `x-delivery-limit` gets a limit of 20 (RabbitMQ 4.0 and
    /// later); before 4.0 it has none.
    public var quorumQueuesHaveDefaultDeliveryLimit: Bool { self >= BrokerVersion(4, 0) }

    /// Whether giving a message back to a quorum queue with `basic.nack(requeue: true)` counts
    /// toward its delivery limit. Measured with `scripts/quorum-returns.py`: it counts on 3.10.8 and
    /// 4.0.5, not on 4.3.6 (`basic.reject` with requeue and closing the channel count on all three).
    /// 4.1 and 4.2 were not measured and are treated as counting, the safe side.
    public var nackRequeueCountsTowardDeliveryLimit: Bool { self < BrokerVersion(4, 3) }
}
