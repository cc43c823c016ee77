#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import WarrenAMQP

/// What a handler knows about the message it runs: enough to be idempotent and to log well.
public struct TaskContext: Sendable {
    /// The task's name (the AMQP `type` property).
    public let taskName: String
    /// The message id: unique per enqueued task, or the producer's idempotency key. Retries keep it.
    public let messageID: String
    /// The task queue the message came from.
    public let queue: String
    /// Which attempt this is, from 1.
    public let attempt: Int
    /// The most attempts this task gets before it is dead-lettered.
    public let maxAttempts: Int
    /// True when the broker delivered this message before without an ack (a worker died or lost its
    /// connection mid-task): the task may have run, fully or in part, already.
    public let redelivered: Bool
    /// The producer's correlation id, if any.
    public let correlationID: String?
    /// When the producer enqueued the task (the AMQP `timestamp` property, whole seconds).
    public let enqueuedAt: Date?
    /// The message's headers, Warren's and the producer's.
    public let headers: AMQPTable
    /// A logger with the task name, message id and attempt as metadata. Built on each access: keep it
    /// in a local when a handler logs a lot.
    public var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "task"] = "\(taskName)"
        logger[metadataKey: "message_id"] = "\(messageID)"
        logger[metadataKey: "attempt"] = "\(attempt)"
        return logger
    }

    private let baseLogger: Logger

    /// True when this is the last attempt: a failure now dead-letters the task.
    public var isLastAttempt: Bool { attempt >= maxAttempts }

    /// Creates a context. The worker does this; tests of handlers may too. `baseLogger` gets the task
    /// name, message id and attempt as metadata in ``logger``.
    public init(
        taskName: String,
        messageID: String,
        queue: String,
        attempt: Int = 1,
        maxAttempts: Int = RetryPolicy.default.maxAttempts,
        redelivered: Bool = false,
        correlationID: String? = nil,
        enqueuedAt: Date? = nil,
        headers: AMQPTable = [:],
        baseLogger: Logger = Logger(label: "warren.task")
    ) {
        self.taskName = taskName
        self.messageID = messageID
        self.queue = queue
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.redelivered = redelivered
        self.correlationID = correlationID
        self.enqueuedAt = enqueuedAt
        self.headers = headers
        self.baseLogger = baseLogger
    }
}
