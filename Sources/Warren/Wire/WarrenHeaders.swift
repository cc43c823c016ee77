/// The AMQP headers Warren reads and writes, beside the standard properties. The wire format is
/// documented, with a JSON Schema, in docs/wire-format.md; producers in any language may set them.
public enum WarrenHeaders {
    /// The attempt this message is (long integer, from 1). Absent means 1.
    public static let attempt = "x-warren-attempt"
    /// The task queue the message belongs to (string). Set on retries and dead letters.
    public static let queue = "x-warren-queue"
    /// When the task first failed (long integer, milliseconds since 1970).
    public static let firstFailureAt = "x-warren-first-failure-at"
    /// When the task last failed (long integer, milliseconds since 1970).
    public static let lastFailureAt = "x-warren-last-failure-at"
    /// The last failure's error text (string, at most 2048 bytes).
    public static let lastError = "x-warren-last-error"
    /// Why the message was dead-lettered (string): see ``DeadLetterReason``.
    public static let deadReason = "x-warren-dead-reason"
    /// How many times an operator replayed the message from its dead-letter queue (long integer).
    public static let replays = "x-warren-replays"

    /// Set by the AMQP client on every mandatory publish in confirm mode (long integer): the publish's
    /// sequence number, so that a `basic.return` can be matched to its publish. Consumers ignore it.
    public static let publishSequence = AMQPChannel.publishSequenceHeader

    /// The headers RabbitMQ adds when it dead-letters a message. Warren drops them when it publishes a
    /// retry, so that delay hops do not pile up in them.
    static let brokerDeathHeaders: Set<String> = [
        "x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason",
        "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason",
    ]

    /// The most bytes of error text a message carries.
    static let maxErrorBytes = 2048
}

/// Why a task was dead-lettered: the value of the `x-warren-dead-reason` header.
public struct DeadLetterReason: Sendable, Hashable, CustomStringConvertible {
    /// The header value.
    public let rawValue: String

    /// A reason from its header value.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Every attempt failed.
    public static let maxAttemptsExceeded = DeadLetterReason(rawValue: "max-attempts-exceeded")
    /// The handler threw ``PermanentFailure``.
    public static let permanentFailure = DeadLetterReason(rawValue: "permanent-failure")
    /// The body is not valid JSON.
    public static let invalidJSON = DeadLetterReason(rawValue: "invalid-json")
    /// The body is JSON, but not the shape the task's payload type expects.
    public static let undecodablePayload = DeadLetterReason(rawValue: "undecodable-payload")
    /// No handler is registered for the message's task name (or it has none).
    public static let unknownTask = DeadLetterReason(rawValue: "unknown-task")

    public var description: String { rawValue }
}
