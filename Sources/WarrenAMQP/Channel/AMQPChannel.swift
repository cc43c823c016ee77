/// An AMQP channel: the unit that declares topology, publishes, consumes and settles deliveries.
///
/// Open one with ``AMQPConnection/openChannel()``. A channel is safe to use from any task; its calls
/// run in the order they were made. When the broker closes a channel because of an error (for example
/// `404 NOT_FOUND` for a missing queue, or `406 PRECONDITION_FAILED` for a queue re-declared with other
/// arguments), the call that caused it throws ``AMQPError`` with code `.channelClosed` and the broker's
/// reply code and text; the channel is then unusable, while the connection and its other channels go
/// on. Open a new channel to continue.
///
/// Publishing and consuming on separate connections is recommended for high volumes: a broker that
/// blocks a publishing connection (a resource alarm) then does not hold up acknowledgements.
public final class AMQPChannel: Sendable {
    let connection: AMQPConnection
    let shared: ChannelShared

    init(connection: AMQPConnection, shared: ChannelShared) {
        self.connection = connection
        self.shared = shared
    }

    var core: ConnectionCore { connection.core }

    /// The RabbitMQ version of the broker this channel's connection talks to; nil when it announced
    /// none Warren can read (``AMQPConnection/brokerVersion``).
    public var brokerVersion: BrokerVersion? { connection.brokerVersion }

    /// The channel number on its connection.
    public var number: UInt16 { shared.identity.number }

    /// True until the channel is closed by the application or the broker, or its connection is gone.
    public var isOpen: Bool { shared.closedReason == nil && connection.isOpen }

    /// Why the channel closed, or nil while it is open.
    public var closeReason: AMQPError? { shared.closedReason ?? core.closeSignal.reason }

    /// Closes the channel. Its consumers' sequences end; unsettled deliveries return to their queues.
    /// Waits for the broker's `close-ok` even when the calling task is cancelled (bounded by the call
    /// timeout), so a close is never left half done.
    public func close() async throws {
        guard shared.closedReason == nil else { return }
        let promise = Promise<RPCReply>()
        if let rejection = core.inbox.submit(.rpc(shared.identity, .channelClose, promise)) {
            if rejection.code == .connectionClosed || rejection.code == .connectionLost { return }
            throw rejection
        }
        // Not cancellable: an unstructured task shields the wait from the caller's cancellation.
        _ = try await Task { try await promise.wait() }.value
    }

    /// Sends a synchronous method and waits for its reply.
    func call(_ request: MethodRequest) async throws -> RPCReply {
        let promise = Promise<RPCReply>()
        return try await core.perform(promise, .rpc(shared.identity, request, promise))
    }
}
