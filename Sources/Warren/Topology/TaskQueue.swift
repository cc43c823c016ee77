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
    /// For quorum queues: how many deliveries a message gets before the broker dead-letters it
    /// (`x-delivery-limit`), a safety net against tasks that crash their worker every time.
    public var deliveryLimit: Int?
    /// The most priorities the queue honours (`x-max-priority`); classic queues only (quorum queues
    /// refuse the argument). nil disables priorities.
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

    /// Checks the name: it becomes part of routing keys and topic patterns.
    public func validate() throws(AMQPError) {
        guard !name.isEmpty, name.utf8.count <= 200 else {
            throw AMQPError(.invalidArgument, "task queue name '\(name.prefix(40))' must be 1 to 200 bytes long")
        }
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.:".unicodeScalars.contains(scalar)
        }
        guard allowed, !name.hasPrefix("."), !name.hasSuffix("."), !name.contains("..") else {
            throw AMQPError(
                .invalidArgument,
                "task queue name '\(name)' may only hold letters, digits, '-', '_', ':' and single inner '.'"
            )
        }
        guard maxPriority == nil || kind == .classic else {
            throw AMQPError(.invalidArgument, "task queue '\(name)': priorities (maxPriority) need a classic queue; quorum queues refuse x-max-priority")
        }
        guard !name.hasPrefix("amq.") else {
            throw AMQPError(.invalidArgument, "task queue name '\(name)' starts with 'amq.', which the broker reserves")
        }
    }
}
