#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The AMQP `basic` content properties of a message: content type, headers, delivery mode,
/// correlation, expiration and the rest.
///
/// Every property is optional; `nil` means the property is absent from the message (not sent, or
/// not received). A property that is present but empty is an empty string or an empty table.
///
/// ```swift
/// let properties = AMQPProperties(
///     contentType: "application/json",
///     headers: ["tenant": "acme"],
///     deliveryMode: .persistent,
///     expiration: AMQPProperties.expiration(after: .seconds(30))
/// )
/// ```
public struct AMQPProperties: Sendable, Hashable {
    /// Whether the broker writes a message to disk.
    public enum DeliveryMode: UInt8, Sendable, Hashable {
        /// Kept in memory only (AMQP delivery mode 1).
        case transient = 1
        /// Written to disk by durable queues (AMQP delivery mode 2).
        case persistent = 2
    }

    /// The MIME type of the body, e.g. `application/json`.
    public var contentType: String?
    /// The encoding of the body, e.g. `gzip`.
    public var contentEncoding: String?
    /// Application headers (also read by headers exchanges, and where the broker records
    /// `x-death` for dead-lettered messages).
    public var headers: AMQPTable?
    /// Transient or persistent.
    public var deliveryMode: DeliveryMode?
    /// The message priority, 0 to 9 for the broker's priority queues (up to 255 on the wire).
    public var priority: UInt8?
    /// An application correlation identifier, typically the ``messageID`` of a request.
    public var correlationID: String?
    /// The queue to reply to.
    public var replyTo: String?
    /// The message's time-to-live: a whole number of milliseconds written as a string. See
    /// ``expiration(after:)`` and ``expirationDuration``.
    public var expiration: String?
    /// An application message identifier.
    public var messageID: String?
    /// The message's timestamp. AMQP carries whole seconds: fractions are dropped when sent.
    public var timestamp: Date?
    /// The application message type name.
    public var type: String?
    /// The user who published the message; RabbitMQ checks it against the connection's user.
    public var userID: String?
    /// The publishing application's identifier.
    public var appID: String?
    /// Deprecated in AMQP 0-9-1; carried for completeness.
    public var clusterID: String?

    /// Creates properties; every property defaults to absent.
    public init(
        contentType: String? = nil,
        contentEncoding: String? = nil,
        headers: AMQPTable? = nil,
        deliveryMode: DeliveryMode? = nil,
        priority: UInt8? = nil,
        correlationID: String? = nil,
        replyTo: String? = nil,
        expiration: String? = nil,
        messageID: String? = nil,
        timestamp: Date? = nil,
        type: String? = nil,
        userID: String? = nil,
        appID: String? = nil,
        clusterID: String? = nil
    ) {
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.headers = headers
        self.deliveryMode = deliveryMode
        self.priority = priority
        self.correlationID = correlationID
        self.replyTo = replyTo
        self.expiration = expiration
        self.messageID = messageID
        self.timestamp = timestamp
        self.type = type
        self.userID = userID
        self.appID = appID
        self.clusterID = clusterID
    }
}

extension AMQPProperties {
    /// The ``expiration`` string for a time-to-live: whole milliseconds, rounded up so that a
    /// message never expires earlier than asked. Negative durations give `"0"`.
    ///
    /// ```swift
    /// AMQPProperties.expiration(after: .seconds(30))  // "30000"
    /// ```
    public static func expiration(after duration: Duration) -> String {
        String(milliseconds(roundingUp: duration))
    }

    /// The ``expiration`` as a duration: `nil` when absent or not a whole number of milliseconds.
    /// Setting it writes ``expiration(after:)``; setting `nil` removes the expiration.
    public var expirationDuration: Duration? {
        get {
            guard let expiration, let milliseconds = Int64(expiration), milliseconds >= 0 else {
                return nil
            }
            return .milliseconds(milliseconds)
        }
        set {
            expiration = newValue.map(AMQPProperties.expiration(after:))
        }
    }

    /// Whole milliseconds in `duration`, rounded up, clamped to `0...Int64.max`.
    private static func milliseconds(roundingUp duration: Duration) -> Int64 {
        guard duration > .zero else { return 0 }
        let (seconds, attoseconds) = duration.components
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        let (wholeSeconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return Int64.max }
        var fraction = attoseconds / attosecondsPerMillisecond
        if attoseconds % attosecondsPerMillisecond > 0 { fraction += 1 }
        let (total, sumOverflow) = wholeSeconds.addingReportingOverflow(fraction)
        return sumOverflow ? Int64.max : total
    }
}
