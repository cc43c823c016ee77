/// The broker's answer to `queue.declare` (`queue.declare-ok`).
public struct AMQPQueueDeclareResult: Sendable, Hashable {
    /// The queue's name; the broker generates one when an empty name was declared.
    public let name: String
    /// The number of messages ready in the queue (not counting unacknowledged ones).
    public let messageCount: UInt32
    /// The number of active consumers on the queue.
    public let consumerCount: UInt32

    /// Creates a result.
    public init(name: String, messageCount: UInt32, consumerCount: UInt32) {
        self.name = name
        self.messageCount = messageCount
        self.consumerCount = consumerCount
    }
}
