import WarrenAMQP

/// A task queue and how it is declared: the durable queue `name`, its dead-letter queue
/// `name.dead`, and its route out of the shared delay exchanges. See docs/topology.md.
public struct TaskQueue: Sendable, Hashable {
    /// The queue type.
    public enum Kind: String, Sendable, Hashable {
        /// A classic queue: one node, fastest.
        case classic
        /// A quorum queue: replicated over a cluster with Raft; the durable choice for clusters.
        case quorum
    }

    /// The queue's name. Letters, digits, `-`, `_`, `.` and `:`; at most 200 bytes.
    public var name: String
    /// Classic or quorum.
    public var kind: Kind
    /// For quorum queues: how many times the broker may deliver one message before it dead-letters
    /// it to `Q.dead` (`x-delivery-limit`), a safety net against tasks that crash their worker every
    /// time. nil means ``defaultDeliveryLimit``. Warren always declares the limit explicitly, so it is
    /// the same on every RabbitMQ version (4.0 gives quorum queues without one a limit of 20, 3.x
    /// none). Warren's own hand-backs (a stopping worker returning prefetched tasks) do not spend it:
    /// see docs/operating.md, "Quorum queues and the delivery limit". Ignored for classic queues.
    public var deliveryLimit: Int?
    /// The most priorities the queue honours. Classic queues get `x-max-priority`; quorum queues
    /// need RabbitMQ 4.0 or later, where they honour priorities without that argument (two levels:
    /// 5 and above first); declaring one on 3.x fails with a clear error. nil disables priorities.
    public var maxPriority: UInt8?
    /// Further queue arguments for the task queue.
    public var arguments: AMQPTable

    /// Describes a task queue.
    public init(
        _ name: String,
        kind: Kind = .classic,
        deliveryLimit: Int? = nil,
        maxPriority: UInt8? = nil,
        arguments: AMQPTable = [:]
    ) {
        self.name = name
        self.kind = kind
        self.deliveryLimit = deliveryLimit
        self.maxPriority = maxPriority
        self.arguments = arguments
    }

    /// The dead-letter queue: `name.dead`.
    public var deadLetterQueue: String { name + ".dead" }

    /// The delivery limit of quorum task queues that set none: 20, the default RabbitMQ 4.0 gives.
    public static let defaultDeliveryLimit = 20

    /// The delivery limit of a quorum dead-letter queue: one million, so that listing dead letters
    /// (each listing delivers them once) never drops one; RabbitMQ 4.0 would otherwise apply 20.
    /// It is the same number on every broker version, so the queue's arguments do not change when
    /// the broker is upgraded.
    public static let deadLetterDeliveryLimit = 1_000_000

    /// The delivery limit Warren declares for this queue: ``deliveryLimit`` or ``defaultDeliveryLimit``.
    public var effectiveDeliveryLimit: Int { deliveryLimit ?? Self.defaultDeliveryLimit }

    /// Checks the name (it becomes part of routing keys and topic patterns) and the delivery limit.
    /// - Throws: ``WarrenError`` `.invalidArgument`, naming the queue and what to change.
    public func validate() throws(WarrenError) {
        guard !name.isEmpty, name.utf8.count <= 200 else {
            throw WarrenError(.invalidArgument, "task queue name '\(name.prefix(40))' must be 1 to 200 bytes long", operation: "validate", queue: name)
        }
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.:".unicodeScalars.contains(scalar)
        }
        guard allowed, !name.hasPrefix("."), !name.hasSuffix("."), !name.contains("..") else {
            throw WarrenError(
                .invalidArgument,
                "task queue name '\(name)' may only hold letters, digits, '-', '_', ':' and single inner '.'",
                operation: "validate",
                queue: name
            )
        }
        if let deliveryLimit, deliveryLimit < 1 {
            throw WarrenError(
                .invalidArgument,
                "task queue '\(name)': deliveryLimit must be at least 1 (got \(deliveryLimit)); RabbitMQ 3.x drops every message of a queue whose limit is 0 or -1",
                operation: "validate",
                queue: name
            )
        }
        guard !name.hasPrefix("amq.") else {
            throw WarrenError(.invalidArgument, "task queue name '\(name)' starts with 'amq.', which the broker reserves", operation: "validate", queue: name)
        }
    }
}
