import WarrenAMQP

/// How a worker gives back a delivery it will not run: one it received after graceful shutdown
/// began, or one whose handler was cancelled when the grace period ran out.
///
/// Giving back must not spend the message's delivery attempts. A quorum queue counts every
/// `basic.reject` with requeue, a closed channel and, before RabbitMQ 4.3, a `basic.nack` with requeue
/// toward its delivery limit (``BrokerVersion/nackRequeueCountsTowardDeliveryLimit``); a worker that
/// restarts often would otherwise push tasks that never failed to `Q.dead` (`delivery_limit`).
enum HandBack: Sendable, Equatable {
    /// `basic.nack` with requeue: the message keeps its place at the head of the queue.
    case requeue
    /// A copy of the message (same body, id and properties) is published to the queue with a
    /// confirm, then the original is acked: a new message, with no deliveries counted. On a
    /// failed publish the original is requeued instead.
    case republish

    /// The way to give back deliveries of a `kind` queue on a broker of `version` (nil: unknown,
    /// treated as the oldest supported).
    static func method(for kind: TaskQueue.Kind, broker version: BrokerVersion?) -> HandBack {
        guard kind == .quorum else { return .requeue }
        return (version ?? .oldestSupported).nackRequeueCountsTowardDeliveryLimit ? .republish : .requeue
    }
}
