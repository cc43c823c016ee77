#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import WarrenAMQP

/// What a handler knows about the message it runs: enough to be idempotent and to log well.
public struct TaskContext: Sendable {
    /// The fields, in one object: a context passes through every middleware and the handler, and
    /// copying one reference is cheaper than copying each string, table and logger.
    private final class Storage: Sendable {
        let taskName: String
        let messageID: String
        let queue: String
        let attempt: Int
        let maxAttempts: Int
        let redelivered: Bool
        let correlationID: String?
        let enqueuedAt: Date?
        let headers: AMQPTable
        let baseLogger: Logger

        init(
            taskName: String, messageID: String, queue: String, attempt: Int, maxAttempts: Int, redelivered: Bool,
            correlationID: String?, enqueuedAt: Date?, headers: AMQPTable, baseLogger: Logger
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

    private let storage: Storage

    /// The task's name (the AMQP `type` property).
    public var taskName: String { storage.taskName }
    /// The message id: unique per enqueued task, or the producer's idempotency key. Retries keep it.
    public var messageID: String { storage.messageID }
    /// The task queue the message came from.
    public var queue: String { storage.queue }
    /// Which attempt this is, from 1.
    public var attempt: Int { storage.attempt }
    /// The most attempts this task gets before it is dead-lettered.
    public var maxAttempts: Int { storage.maxAttempts }
    /// True when the broker delivered this message before without an ack (a worker died or lost its
    /// connection mid-task): the task may have run, fully or in part, already.
    public var redelivered: Bool { storage.redelivered }
    /// The producer's correlation id, if any.
    public var correlationID: String? { storage.correlationID }
    /// When the producer enqueued the task (the AMQP `timestamp` property, whole seconds).
    public var enqueuedAt: Date? { storage.enqueuedAt }
    /// The message's headers, Warren's and the producer's.
    public var headers: AMQPTable { storage.headers }
    private var baseLogger: Logger { storage.baseLogger }
    /// A logger with the task name, message id and attempt as metadata. Built on each access: keep it
    /// in a local when a handler logs a lot.
    public var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "task"] = "\(taskName)"
        logger[metadataKey: "message_id"] = "\(messageID)"
        logger[metadataKey: "attempt"] = "\(attempt)"
        return logger
    }

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
        storage = Storage(
            taskName: taskName, messageID: messageID, queue: queue, attempt: attempt, maxAttempts: maxAttempts,
            redelivered: redelivered, correlationID: correlationID, enqueuedAt: enqueuedAt, headers: headers,
            baseLogger: baseLogger
        )
    }
}
