import Logging
import Synchronization

/// The state a connection's Swift callers and its I/O thread share. Everything in it is safe to use
/// from any thread: the inbox and broadcasters lock, the rest is immutable.
final class ConnectionCore: Sendable {
    /// What the broker and client agreed during the handshake.
    struct Negotiated: Sendable {
        var heartbeat: Int = 0
        var frameMax: Int = 0
        var channelMax: Int = 0
        var serverProperties: AMQPTable = [:]
    }

    let configuration: AMQPConnection.Configuration
    let logger: Logger
    let inbox: Inbox
    /// Lets a caller execute a publish on its own thread while the I/O thread sleeps.
    let driverLock = DriverLock()
    let blocked = BlockedStateBroadcaster()
    let closeSignal = CloseSignal()
    let negotiated = Mutex(Negotiated())

    init(configuration: AMQPConnection.Configuration, logger: Logger) throws(AMQPError) {
        self.configuration = configuration
        self.logger = logger
        self.inbox = try Inbox()
    }

    /// Hands a command to the I/O thread, or throws the close reason when the connection is closed.
    func submit(_ command: Command) throws(AMQPError) {
        if let rejection = inbox.submit(command) { throw rejection }
    }

    /// Submits a command carrying `promise` and waits for it. A closed connection fails the promise
    /// at once. A command from a task that is cancelled already is not submitted at all (the caller
    /// gets `CancellationError` and knows nothing was done), except `channel.close`, which frees what
    /// the channel holds. Otherwise a reply that came before the wait began could beat the
    /// cancellation: seen in CI as a declare from a cancelled task returning its result.
    func perform<Value: Sendable>(_ promise: Promise<Value>, _ command: Command) async throws -> Value {
        if Task.isCancelled && !command.isChannelClose { throw CancellationError() }
        if let rejection = inbox.submit(command) { promise.fail(rejection) }
        return try await promise.wait()
    }

    /// Like ``perform(_:_:)``, but executes the command on the calling thread when the I/O thread is
    /// asleep and the command allows it (``IODriver/executeForCaller(_:)``): a publish then reaches
    /// the socket without waking the I/O thread first.
    func performOnCallerThreadIfIdle<Value: Sendable>(_ promise: Promise<Value>, _ command: Command) async throws -> Value {
        if Task.isCancelled { throw CancellationError() }
        if driverLock.withIdleDriver({ $0.executeForCaller(command) }) == true {
            driverLock.countCallerThreadExecution()
        } else if let rejection = inbox.submit(command) {
            promise.fail(rejection)
        }
        return try await promise.wait()
    }

    /// Sends an ack, nack or reject for a delivery of `channel`.
    func settle(_ settlement: Settlement, on channel: ChannelShared) throws(AMQPError) {
        if let reason = channel.closedReason {
            throw AMQPError(
                .channelClosed,
                "cannot settle delivery \(settlement.deliveryTag): its channel is closed; the broker requeues it",
                replyCode: reason.replyCode,
                replyText: reason.replyText,
                operation: settlement.operation,
                channel: channel.identity.number,
                underlying: reason
            )
        }
        try submit(.settle(channel.identity, settlement))
    }
}

extension Settlement {
    var deliveryTag: UInt64 {
        switch self {
        case .ack(let tag, _), .nack(let tag, _, _), .reject(let tag, _): tag
        }
    }

    var operation: String {
        switch self {
        case .ack: "basic.ack"
        case .nack: "basic.nack"
        case .reject: "basic.reject"
        }
    }
}
