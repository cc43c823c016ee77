import WarrenAMQP

/// Options for one enqueued task.
public struct EnqueueOptions: Sendable {
    /// Run the task no earlier than this from now (100 ms resolution, at most about 77 days).
    public var delay: Duration?
    /// The message priority, honoured by queues declared with ``TaskQueue/maxPriority``.
    public var priority: UInt8?
    /// The message id; pass your idempotency key here so handlers and operators can recognise
    /// duplicates. A random UUID when nil.
    public var messageID: String?
    /// A correlation id, e.g. the id of the HTTP request that enqueued the task.
    public var correlationID: String?
    /// Drop the task (to the dead-letter queue) if it has not started within this time.
    public var expiration: Duration?
    /// Extra headers for the message.
    public var headers: AMQPTable

    /// Creates options; every one is optional.
    public init(
        delay: Duration? = nil,
        priority: UInt8? = nil,
        messageID: String? = nil,
        correlationID: String? = nil,
        expiration: Duration? = nil,
        headers: AMQPTable = [:]
    ) {
        self.delay = delay
        self.priority = priority
        self.messageID = messageID
        self.correlationID = correlationID
        self.expiration = expiration
        self.headers = headers
    }
}

extension EnqueueOptions {
    /// Refuses options that cannot go together on one task to `queue`.
    package func check(queue: String) throws {
        if let delay, DelayRouting.units(for: delay) > 0, expiration != nil {
            // A per-message TTL would fire inside the delay queues and cut the delay short.
            throw WarrenError(
                .invalidArgument,
                "a task cannot have both a delay and an expiration; drop one (or check the age in the handler)",
                operation: "enqueue",
                queue: queue
            )
        }
    }

    /// Refuses options that cannot be shared by a batch.
    package func checkBatch() throws {
        guard messageID == nil else {
            throw WarrenError(.invalidArgument, "a batch cannot share one message id; enqueue tasks one by one to set ids", operation: "enqueue")
        }
    }
}

/// A task the broker has taken: its message id and where it went.
public struct EnqueuedTask: Sendable, Hashable {
    /// The message id.
    public let messageID: String
    /// The task's name.
    public let taskName: String
    /// The queue (or, for events, the exchange) it was sent to.
    public let destination: String

    /// A receipt; producers make these, and so can test doubles.
    public init(messageID: String, taskName: String, destination: String) {
        self.messageID = messageID
        self.taskName = taskName
        self.destination = destination
    }
}
