import WarrenAMQP

/// An error of the task layer: what failed, for which task and queue, and what to do.
///
/// Enqueueing (``WarrenClient``, ``TaskProducer``, WarrenTesting's queue) and validating a ``TaskQueue``
/// throw it. Where the broker or the connection is the cause, ``underlying`` is the `AMQPError` with
/// the broker's reply (``amqpError`` reads it). Compare codes with `==`:
///
/// ```swift
/// do {
///     try await warren.enqueue(task, to: emails)
/// } catch let error as WarrenError where error.code == .brokerUnavailable {
///     // answer 503; the task was not stored
/// }
/// ```
///
/// An enqueue that throws did not get a confirm: the task is not stored, except after a connection loss
/// past the retry limit, where the broker may have stored a copy it could not confirm (a later enqueue
/// with the same message id is then a duplicate the handler can recognise).
public struct WarrenError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. Compare with the static members, e.g. `error.code == .unroutable`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidArgument
            case encodingFailed
            case unroutable
            case rejected
            case brokerBlocked
            case brokerUnavailable
            case brokerRefused
            case shutDown
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// An argument cannot work: an invalid task queue, a delay together with an expiration, one
        /// message id for a batch. Nothing was sent. Fix the call.
        public static let invalidArgument = Code(.invalidArgument)
        /// The task did not encode as JSON (``underlying`` is the `EncodingError`). Nothing was sent.
        public static let encodingFailed = Code(.encodingFailed)
        /// No queue took the task: the queue does not exist (declare it, or let a worker or the client
        /// declare it), or no queue is bound to the exchange. The broker did not store it.
        public static let unroutable = Code(.unroutable)
        /// The broker refused to store the task (`basic.nack`: a full queue with `reject-publish`, a
        /// quorum queue without a leader) until the retry limit passed. Try again later.
        public static let rejected = Code(.rejected)
        /// The broker blocked publishing (a memory or disk alarm) for longer than the blocked limit.
        /// Free resources at the broker, or try again later.
        public static let brokerBlocked = Code(.brokerBlocked)
        /// No connection to the broker, or it was lost, within the limits: the broker is down or
        /// unreachable. Try again later; check `AMQP_URL` and the network.
        public static let brokerUnavailable = Code(.brokerUnavailable)
        /// The broker refused the operation: wrong credentials, a missing virtual host or exchange, no
        /// permission (the broker's reply is in ``amqpError``). Retrying does not help.
        public static let brokerRefused = Code(.brokerRefused)
        /// The client was shut down; nothing more can be enqueued through it.
        public static let shutDown = Code(.shutDown)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public internal(set) var code: Code
    /// What happened and what to do, in one line.
    public internal(set) var message: String
    /// The operation: `enqueue`, `publish`, `declare`, `validate`.
    public internal(set) var operation: String?
    /// The task's name, where a task was involved.
    public internal(set) var taskName: String?
    /// The task's message id, where a task was involved.
    public internal(set) var messageID: String?
    /// The task queue, where one was involved.
    public internal(set) var queue: String?
    /// The exchange, for an event published to one.
    public internal(set) var exchange: String?
    /// The cause: an `AMQPError` from the broker or the connection, an `EncodingError`.
    public internal(set) var underlying: (any Error)?

    /// The broker's or the connection's error behind this one, if any.
    public var amqpError: AMQPError? { underlying as? AMQPError }

    /// Creates an error. Library code fills in as much context as it has.
    public init(
        _ code: Code,
        _ message: String,
        operation: String? = nil,
        taskName: String? = nil,
        messageID: String? = nil,
        queue: String? = nil,
        exchange: String? = nil,
        underlying: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.operation = operation
        self.taskName = taskName
        self.messageID = messageID
        self.queue = queue
        self.exchange = exchange
        self.underlying = underlying
    }

    /// One line: the code, the message, where, and the cause.
    public var description: String {
        var text = "WarrenError.\(code): \(message)"
        var place: [String] = []
        if let operation { place.append("during \(operation)") }
        if let taskName { place.append("task '\(taskName)'") }
        if let messageID { place.append("message id '\(messageID)'") }
        if let queue { place.append("queue '\(queue)'") }
        if let exchange { place.append("exchange '\(exchange)'") }
        if !place.isEmpty { text += " (\(place.joined(separator: ", ")))" }
        if let underlying { text += "; caused by: \(underlying)" }
        return text
    }
}

extension WarrenError {
    /// The task-layer error for a failed enqueue or publish of one task (or a batch: `messageID` nil).
    package static func enqueue(
        _ error: any Error,
        operation: String = "enqueue",
        taskName: String?,
        messageID: String?,
        queue: String? = nil,
        exchange: String? = nil
    ) -> WarrenError {
        if var error = error as? WarrenError {
            error.operation = error.operation ?? operation
            error.taskName = error.taskName ?? taskName
            error.messageID = error.messageID ?? messageID
            error.queue = error.queue ?? queue
            error.exchange = error.exchange ?? exchange
            return error
        }
        let (code, message) = classify(error, queue: queue, exchange: exchange)
        return WarrenError(
            code, message, operation: operation, taskName: taskName, messageID: messageID, queue: queue, exchange: exchange,
            underlying: error
        )
    }

    /// The code and message for a cause from below the task layer.
    static func classify(_ error: any Error, queue: String?, exchange: String?) -> (Code, String) {
        if error is EncodingError {
            return (.encodingFailed, "the task does not encode as JSON; check its Encodable conformance")
        }
        if error is CancellationError {
            return (.brokerUnavailable, "cancelled before the broker confirmed the task; it may or may not be stored")
        }
        guard let amqp = error as? AMQPError else {
            return (.brokerRefused, "\(error)")
        }
        switch amqp.code {
        case .unroutable:
            let target = queue.map { "queue '\($0)' does not exist; declare it (a worker or the client does)" }
                ?? "no queue is bound to exchange '\(exchange ?? "")'"
            return (.unroutable, "the broker returned the task: \(target)")
        case .publishNacked:
            return (.rejected, "the broker refused to store the task (basic.nack) until the retry limit passed; try again later")
        case .resourceExhausted:
            return (.brokerBlocked, "the broker blocks publishing (a memory or disk alarm); try again later")
        case .invalidArgument:
            return (.invalidArgument, amqp.message)
        case .connectionFailed, .connectionLost, .connectionClosed, .timeout:
            return (.brokerUnavailable, "the broker did not confirm the task: \(amqp.message)")
        default:
            let reply = amqp.replyText.map { " (\(amqp.replyCode.map { "\($0) " } ?? "")\($0))" } ?? ""
            return (.brokerRefused, "the broker refused: \(amqp.message)\(reply)")
        }
    }
}
