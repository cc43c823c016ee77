/// An error from the AMQP client: what happened, where, and what the broker said.
///
/// `AMQPError` is a struct with an opaque ``Code`` rather than an enum, so new kinds of failure can be
/// added without breaking exhaustive `switch` statements in user code. Compare codes with `==`:
///
/// ```swift
/// do {
///     try await channel.queueDeclare("orders", passive: true)
/// } catch let error as AMQPError where error.code == .channelClosed && error.replyCode == 404 {
///     // the queue does not exist
/// }
/// ```
///
/// Where the broker closed a channel or the connection, ``replyCode`` and ``replyText`` carry the AMQP
/// reply (for example `404 NOT_FOUND`, `406 PRECONDITION_FAILED`, `403 ACCESS_REFUSED`) and
/// ``operation`` names the AMQP method that failed. ``description`` reads as one line a log can carry.
public struct AMQPError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. Compare with the static members, e.g. `error.code == .channelClosed`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidArgument
            case connectionFailed
            case authenticationFailed
            case virtualHostNotAccessible
            case connectionClosed
            case connectionLost
            case channelClosed
            case timeout
            case publishNacked
            case unroutable
            case consumerCancelled
            case protocolError
            case resourceExhausted
            case tlsVerificationFailed
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A value passed by the caller is not valid: a malformed URL, a name that is too long, a
        /// prefetch out of range. Nothing was sent to the broker.
        public static let invalidArgument = Code(.invalidArgument)
        /// The TCP connection or the AMQP handshake could not be made: nothing listening, a refused or
        /// timed-out connect, a broker that closed the socket during the handshake.
        public static let connectionFailed = Code(.connectionFailed)
        /// The broker refused the user name or password (403 ACCESS_REFUSED during login).
        public static let authenticationFailed = Code(.authenticationFailed)
        /// The virtual host does not exist, or the user has no permission on it (530 NOT_ALLOWED).
        public static let virtualHostNotAccessible = Code(.virtualHostNotAccessible)
        /// The broker closed the connection with a `connection.close` (reply code and text attached),
        /// or the application closed it.
        public static let connectionClosed = Code(.connectionClosed)
        /// The connection was lost without a close handshake: socket error, reset, missed heartbeats.
        public static let connectionLost = Code(.connectionLost)
        /// The broker closed the channel with a `channel.close` (reply code and text attached). The
        /// connection and its other channels keep working; open a new channel to continue.
        public static let channelClosed = Code(.channelClosed)
        /// A call did not complete within its time limit. Its effect at the broker is unknown.
        public static let timeout = Code(.timeout)
        /// The broker answered a publish with `basic.nack`: it did not take responsibility for the
        /// message (an internal error, or a queue at `x-max-length` with `overflow: reject-publish`).
        public static let publishNacked = Code(.publishNacked)
        /// A `mandatory` publish matched no queue and the broker returned it (`basic.return`, usually
        /// 312 NO_ROUTE).
        public static let unroutable = Code(.unroutable)
        /// The broker cancelled a consumer (its queue was deleted, or a quorum queue lost its leader).
        public static let consumerCancelled = Code(.consumerCancelled)
        /// rabbitmq-c or the broker did something this client does not expect; the connection is
        /// closed. Please report it with the message.
        public static let protocolError = Code(.protocolError)
        /// A local limit was reached: no free channel number, no memory in rabbitmq-c.
        public static let resourceExhausted = Code(.resourceExhausted)
        /// The broker's TLS certificate was refused: not issued by the configured CA, expired, or not
        /// for the host connected to. Reconnecting does not retry it.
        public static let tlsVerificationFailed = Code(.tlsVerificationFailed)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public internal(set) var code: Code
    /// What happened and, where it helps, what to do about it.
    public internal(set) var message: String
    /// The AMQP reply code from the broker (`channel.close`, `connection.close`, `basic.return`).
    public internal(set) var replyCode: UInt16?
    /// The broker's reply text, e.g. `NOT_FOUND - no queue 'orders' in vhost '/'`.
    public internal(set) var replyText: String?
    /// The AMQP operation that failed, e.g. `queue.declare` or `basic.publish`.
    public internal(set) var operation: String?
    /// The broker object involved, e.g. `queue 'orders'` or `exchange 'events'`.
    public internal(set) var object: String?
    /// The channel number, where the failure belongs to one channel.
    public internal(set) var channel: UInt16?
    /// A lower-level error that caused this one, if any.
    public internal(set) var underlying: (any Error)?

    /// Creates an error. Library code fills in as much context as it has.
    public init(
        _ code: Code,
        _ message: String,
        replyCode: UInt16? = nil,
        replyText: String? = nil,
        operation: String? = nil,
        object: String? = nil,
        channel: UInt16? = nil,
        underlying: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.replyCode = replyCode
        self.replyText = replyText
        self.operation = operation
        self.object = object
        self.channel = channel
        self.underlying = underlying
    }

    public var description: String {
        var text = "AMQPError.\(code): \(message)"
        var context: [String] = []
        if let replyCode { context.append("reply \(replyCode)\(replyText.map { " \($0)" } ?? "")") }
        else if let replyText { context.append("reply \(replyText)") }
        if let operation { context.append("during \(operation)") }
        if let object { context.append("on \(object)") }
        if let channel { context.append("channel \(channel)") }
        if !context.isEmpty { text += " (" + context.joined(separator: ", ") + ")" }
        if let underlying { text += "; caused by: \(underlying)" }
        return text
    }

    /// True for errors that trying again cannot fix: wrong credentials, a missing virtual host, a
    /// refused TLS certificate, an invalid argument or configuration. Reconnecting gives up on these
    /// at once.
    public var isPermanent: Bool {
        code == .authenticationFailed || code == .virtualHostNotAccessible || code == .invalidArgument
            || code == .tlsVerificationFailed
    }

    /// Returns a copy with the operation and object filled in where they were not set yet.
    func adding(operation: String? = nil, object: String? = nil, channel: UInt16? = nil) -> AMQPError {
        var copy = self
        if copy.operation == nil { copy.operation = operation }
        if copy.object == nil { copy.object = object }
        if copy.channel == nil { copy.channel = channel }
        return copy
    }
}
