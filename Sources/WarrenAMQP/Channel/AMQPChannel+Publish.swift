extension AMQPChannel {
    /// The header a mandatory publish carries in confirm mode: its sequence number on the channel, so
    /// that a `basic.return` can be matched to the publish it belongs to (AMQP's return carries no
    /// sequence number). Consumers can ignore it.
    public static let publishSequenceHeader = "x-warren-publish-seq"

    /// Puts the channel in publisher-confirm mode (`confirm.select`). From then on each ``publish(_:)-(AMQPOutboundMessage)``
    /// returns only once the broker has taken responsibility for the message (for a persistent message
    /// to a durable queue: written to disk), and throws when it refuses it.
    ///
    /// - Parameter maxOutstanding: The most publishes that may wait for confirms at once; further
    ///   publishes wait in the client, unsent, until confirms arrive. nil means no limit.
    public func confirmSelect(maxOutstanding: Int? = nil) async throws {
        if let maxOutstanding, maxOutstanding < 1 {
            throw AMQPError(.invalidArgument, "maxOutstanding must be at least 1, not \(maxOutstanding)", operation: "confirm.select")
        }
        _ = try await call(.confirmSelect(maxOutstanding: maxOutstanding))
    }

    /// Publishes a message.
    ///
    /// In confirm mode (see ``confirmSelect(maxOutstanding:)``) this returns once the broker confirmed
    /// the message, and throws ``AMQPError`` with code `.publishNacked` on a `basic.nack`, `.unroutable`
    /// when a `mandatory` message reached no queue, or `.connectionLost` / `.connectionClosed` /
    /// `.channelClosed` when the channel went away before the confirm (the message may or may not have
    /// reached the broker: publish it again if duplicates are acceptable). Without confirm mode it
    /// returns once the message is written to the socket. Many publishes may be awaited concurrently:
    /// they are pipelined, not one round trip each.
    ///
    /// Publishing to an exchange that does not exist makes the broker close the channel (404).
    public func publish(_ message: AMQPOutboundMessage) async throws {
        let promise = Promise<Void>()
        try await core.performOnCallerThreadIfIdle(promise, .publishOne(shared.identity, message, promise))
    }

    /// Publishes a message given by its parts; see ``publish(_:)-(AMQPOutboundMessage)``.
    public func publish(
        _ body: [UInt8],
        exchange: String = "",
        routingKey: String,
        mandatory: Bool = false,
        properties: AMQPProperties = AMQPProperties()
    ) async throws {
        try await publish(
            AMQPOutboundMessage(body: body, exchange: exchange, routingKey: routingKey, mandatory: mandatory, properties: properties)
        )
    }

    /// Publishes several messages in one hand-over to the I/O thread and waits until every one is
    /// confirmed (or written, without confirm mode). Throws the first failure; messages other than the
    /// failed ones may have been confirmed.
    public func publish(_ messages: [AMQPOutboundMessage]) async throws {
        guard !messages.isEmpty else { return }
        let promise = Promise<Void>()
        // Always through the I/O thread: a caller writing a whole batch would hold the connection
        // while confirms wait to be read (docs/architecture.md section 2).
        try await core.perform(promise, .publish(shared.identity, messages, promise))
    }
}
