import WarrenAMQP

/// A queue that already exists with other properties or arguments than Warren declares for it,
/// found by a tolerant declaration (``Topology/declareTaskQueue(_:on:)-(_,AMQPConnection)``).
///
/// Typical causes: the queue was made by an older Warren (before it declared an explicit quorum
/// delivery limit), by another producer (a pika or Celery app declaring it with no arguments), or by
/// hand. Warren uses the queue as it is: consuming and publishing work, and dead letters still reach
/// `Q.dead` because Warren publishes them itself; what may be missing are the broker-side fallbacks
/// (the queue's own dead-letter exchange, its delivery limit). `warren queues upgrade --queue Q`
/// recreates the queues with Warren's arguments without losing a message (docs/operating.md).
public struct TopologyMismatch: Sendable, Hashable, CustomStringConvertible {
    /// The queue that exists with other arguments.
    public var queue: String
    /// What the broker said about the difference (the 406 reply text, e.g. "inequivalent arg
    /// 'x-delivery-limit' for queue 'emails' in vhost '/': received ...").
    public var brokerMessage: String

    /// A mismatch found on `queue`.
    public init(queue: String, brokerMessage: String) {
        self.queue = queue
        self.brokerMessage = brokerMessage
    }

    /// One line for a log: what, where, and what to do.
    public var description: String {
        "queue '\(queue)' exists with other arguments than Warren declares (\(brokerMessage)); using it as it is. "
            + "Run `warren queues upgrade --queue \(queue.hasSuffix(".dead") ? String(queue.dropLast(5)) : queue)` to recreate it with Warren's arguments"
    }
}
