#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import WarrenAMQP

/// One step in a task's life, published by a worker with events turned on (see
/// ``TaskEvents``). The message body is this value as JSON, the routing key is ``kind``'s raw value
/// (e.g. `task.started`), and the AMQP `type` property is the same. Documented in
/// docs/wire-format.md; any language can subscribe.
public struct TaskEvent: Codable, Sendable, Hashable {
    /// What happened.
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        /// A handler started an attempt.
        case started = "task.started"
        /// The handler returned and the delivery was acked.
        case succeeded = "task.succeeded"
        /// The attempt failed and a retry was scheduled.
        case retrying = "task.retrying"
        /// The task went to the dead-letter queue, with ``TaskEvent/deadLetterReason``.
        case deadLettered = "task.dead-lettered"
    }

    /// What happened.
    public var kind: Kind
    /// The task's name.
    public var task: String
    /// The task's message id (the producer's idempotency key when it gave one).
    public var messageID: String
    /// The producer's correlation id, if any.
    public var correlationID: String?
    /// The task queue.
    public var queue: String
    /// The attempt, from 1.
    public var attempt: Int
    /// The most attempts the task gets.
    public var maxAttempts: Int
    /// When it happened.
    public var at: Date
    /// When the producer enqueued the task (whole seconds), if known.
    public var enqueuedAt: Date?
    /// How long the attempt ran, for everything but `task.started`.
    public var durationMilliseconds: Double?
    /// The error text, for `task.retrying` and `task.dead-lettered`.
    public var error: String?
    /// How long until the next attempt, for `task.retrying`.
    public var retryInMilliseconds: Double?
    /// Why the task was dead-lettered, for `task.dead-lettered` (see ``DeadLetterReason``).
    public var deadLetterReason: String?
    /// The worker: host name and process id.
    public var worker: String

    /// Creates an event.
    public init(
        kind: Kind, task: String, messageID: String, correlationID: String? = nil, queue: String,
        attempt: Int, maxAttempts: Int, at: Date = Date(), enqueuedAt: Date? = nil,
        durationMilliseconds: Double? = nil, error: String? = nil, retryInMilliseconds: Double? = nil,
        deadLetterReason: String? = nil, worker: String
    ) {
        self.kind = kind
        self.task = task
        self.messageID = messageID
        self.correlationID = correlationID
        self.queue = queue
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.at = at
        self.enqueuedAt = enqueuedAt
        self.durationMilliseconds = durationMilliseconds
        self.error = error
        self.retryInMilliseconds = retryInMilliseconds
        self.deadLetterReason = deadLetterReason
        self.worker = worker
    }

    enum CodingKeys: String, CodingKey {
        case kind = "event", task, messageID = "message_id", correlationID = "correlation_id", queue, attempt
        case maxAttempts = "max_attempts", at, enqueuedAt = "enqueued_at", durationMilliseconds = "duration_ms"
        case error, retryInMilliseconds = "retry_in_ms", deadLetterReason = "dead_letter_reason", worker
    }

    /// Dates in events: ISO 8601 in UTC with milliseconds, e.g. `2026-11-21T17:45:03.120Z`.
    static let dateStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// The JSON coder events use: ISO 8601 dates with milliseconds.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Self.dateStyle))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Decodes an event from a delivery of the events exchange.
    public init(from delivery: AMQPDelivery) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = try? Date(text, strategy: Self.dateStyle) {
                return date
            }
            if let date = try? Date(text, strategy: .iso8601) { return date }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 date: \(text)"))
        }
        self = try decoder.decode(TaskEvent.self, from: Data(delivery.body))
    }
}
