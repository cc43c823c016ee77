import Logging

/// A connection to a RabbitMQ broker over AMQP 0-9-1, driven by rabbitmq-c on a dedicated I/O thread.
///
/// ```swift
/// let connection = try await AMQPConnection.connect(.init(url: "amqp://guest:guest@localhost:5672/%2F"))
/// let channel = try await connection.openChannel()
/// try await channel.queueDeclare("greetings")
/// try await channel.confirmSelect()
/// try await channel.publish(Array("hello".utf8), routingKey: "greetings")
/// await connection.close()
/// ```
///
/// All methods are safe to call from any task. Each call is handed to the connection's I/O thread and
/// awaited; no call blocks a thread of Swift's cooperative pool. Every await ends: with the broker's
/// reply, the configured ``Configuration/callTimeout``, the task's cancellation, or the connection's
/// loss. Closing the connection fails its pending calls and ends its consumers' sequences.
///
/// While idle, the connection still sends and checks heartbeats, so a dead broker or a stalled
/// network is noticed within about two heartbeat intervals: ``closed()`` then returns the reason.
public final class AMQPConnection: Sendable {
    /// The version this client announces to the broker.
    public static let clientVersion = "0.1.0"

    let core: ConnectionCore

    /// The configuration this connection was opened with.
    public var configuration: Configuration { core.configuration }

    private init(core: ConnectionCore) {
        self.core = core
    }

    deinit {
        // A connection that was never closed explicitly is closed when its last reference goes.
        _ = core.inbox.submit(.close(Promise<Void>()))
    }

    /// Connects to the broker and performs the AMQP handshake.
    ///
    /// - Throws: ``AMQPError`` with code `.connectionFailed` (nothing listening, timeout),
    ///   `.authenticationFailed` (wrong user or password), `.virtualHostNotAccessible` (no such vhost, or
    ///   no permission), or `.invalidArgument` (a configuration the client cannot use).
    public static func connect(
        _ configuration: Configuration,
        logger: Logger = Logger(label: "warren.amqp")
    ) async throws -> AMQPConnection {
        let core = try ConnectionCore(configuration: configuration, logger: logger)
        let connected = Promise<Void>()
        IODriver.start(core: core, connected: connected)
        do {
            try await connected.wait()
        } catch {
            // On cancellation the I/O thread may still finish the handshake: close what it opened.
            _ = core.inbox.submit(.close(Promise<Void>()))
            throw error
        }
        return AMQPConnection(core: core)
    }

    /// Connects, runs `body` with the connection, and closes it, whether `body` returns or throws.
    /// The connection must not escape `body`.
    public static func withConnection<Result: Sendable>(
        _ configuration: Configuration,
        logger: Logger = Logger(label: "warren.amqp"),
        _ body: (AMQPConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await connect(configuration, logger: logger)
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Opens a new channel.
    /// - Throws: ``AMQPError`` when the connection is closed or every channel number is in use.
    public func openChannel() async throws -> AMQPChannel {
        let promise = Promise<ChannelShared>()
        let shared = try await core.perform(promise, .openChannel(promise))
        return AMQPChannel(connection: self, shared: shared)
    }

    /// Opens a channel, runs `body` with it, and closes it afterwards. The channel must not escape.
    public func withChannel<Result: Sendable>(_ body: (AMQPChannel) async throws -> Result) async throws -> Result {
        let channel = try await openChannel()
        do {
            let result = try await body(channel)
            try? await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Closes the connection: sends `connection.close`, waits (bounded) for the broker's answer, fails
    /// every pending call with `.connectionClosed` and ends every consumer's sequence. Calling it again,
    /// or on a connection that is already gone, returns at once.
    public func close() async {
        _ = core.inbox.submit(.close(Promise<Void>()))
        // Not cancellable: when this returns, the connection is closed.
        _ = await core.closeSignal.wait()
    }

    /// True until the connection is closed or lost.
    public var isOpen: Bool { core.closeSignal.reason == nil }

    /// Waits until the connection is closed or lost and returns why. A connection closed by ``close()``
    /// returns an error with code `.connectionClosed` and no reply code.
    public func closed() async -> AMQPError {
        await core.closeSignal.wait()
    }

    /// Whether the broker currently blocks publishing on this connection (a resource alarm).
    public var blockedState: AMQPBlockedState { core.blocked.current }

    /// The blocked state now, then each change (`connection.blocked` / `connection.unblocked`); the
    /// sequence ends when the connection closes.
    public func blockedStateUpdates() -> AsyncStream<AMQPBlockedState> {
        core.blocked.updates()
    }

    /// Returns at once when publishing is not blocked; otherwise waits until the broker unblocks it.
    /// - Throws: ``AMQPError`` when the connection closes first, `CancellationError` when cancelled.
    public func waitUntilUnblocked() async throws {
        for await state in core.blocked.updates() where !state.isBlocked {
            return
        }
        try Task.checkCancellation()
        throw core.closeSignal.reason ?? AMQPError(.connectionClosed, "the connection closed while publishing was blocked")
    }

    /// The heartbeat interval agreed with the broker, in seconds (0: no heartbeats).
    public var negotiatedHeartbeat: Int { core.negotiated.withLock { $0.heartbeat } }
    /// The largest frame size agreed with the broker, in bytes.
    public var negotiatedFrameMax: Int { core.negotiated.withLock { $0.frameMax } }
    /// The highest channel number agreed with the broker.
    public var negotiatedChannelMax: Int { core.negotiated.withLock { $0.channelMax } }
    /// The properties the broker announced: `product`, `version`, `capabilities`, `cluster_name`, ….
    public var serverProperties: AMQPTable { core.negotiated.withLock { $0.serverProperties } }
    /// The RabbitMQ version the broker announced (`version` in ``serverProperties``); nil when it
    /// announced none Warren can read. See ``BrokerVersion`` for the features derived from it.
    public var brokerVersion: BrokerVersion? { BrokerVersion(serverProperties: serverProperties) }
}
