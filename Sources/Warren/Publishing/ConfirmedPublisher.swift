import Logging
import Synchronization
import WarrenAMQP

/// Publishes with publisher confirms, surviving what can be survived:
/// - a channel the broker closed (a 404, say) is replaced by a fresh one for the next publish;
/// - a connection lost before the confirm arrived: the message is published again on the next
///   connection (at-least-once: the broker may have stored the first copy, so a duplicate with the same
///   message id is possible), for at most ``Settings/retryLimit``;
/// - a broker that blocks publishing (`connection.blocked`): publishes wait, at most
///   ``Settings/blockedLimit``, instead of piling up in socket buffers;
/// - a `basic.nack` (the broker did not take the message: a quorum queue changing leader, a full
///   queue with `reject-publish`): the message is published again on a fresh channel after a short
///   back-off, within the same ``Settings/retryLimit``. A fresh channel matters: RabbitMQ 3.10 keeps
///   a channel's first lookup of a quorum queue's leader, so a channel that met a dead leader keeps
///   refusing.
///
/// Memory is bounded: at most ``Settings/maxPending`` publishes are held at once; more callers wait.
final class ConfirmedPublisher: Sendable {
    struct Settings: Sendable {
        /// Publishes waiting for confirms on the channel at once.
        var maxOutstanding: Int = 1024
        /// Publishes held in memory at once (in flight, or waiting for a connection).
        var maxPending: Int = 10_000
        /// How long a publish keeps trying across connection losses before it throws.
        var retryLimit: Duration = .seconds(60)
        /// How long a publish waits while the broker blocks publishing before it throws.
        var blockedLimit: Duration = .seconds(60)
    }

    private struct Current {
        var connection: AMQPConnection
        var channel: AMQPChannel
    }

    let connections: any AMQPConnectionProvider
    let settings: Settings
    private let logger: Logger
    private let current = Mutex<Current?>(nil)
    /// The connection whose loss was logged last: one warning per loss, not one per publish. (Held,
    /// not identified by address: a new connection may take a freed one's address.)
    private let lossLogged = Mutex<AMQPConnection?>(nil)
    /// Serializes opening, so concurrent publishes share one new channel.
    private let opening = Mutex<Task<Current, any Error>?>(nil)
    private let pending: ConcurrencyLimit
    /// Channels retired after a nack, with when: closed at a later retirement, past the retry limit.
    private let retired = Mutex<[(channel: AMQPChannel, since: ContinuousClock.Instant)]>([])

    init(connections: any AMQPConnectionProvider, settings: Settings = Settings(), logger: Logger) {
        self.connections = connections
        self.settings = settings
        self.logger = logger
        self.pending = ConcurrencyLimit(settings.maxPending)
    }

    /// Publishes one message and waits for its confirm.
    func publish(_ message: AMQPOutboundMessage) async throws {
        try await publish([message])
    }

    /// Publishes messages in one hand-over and waits for every confirm. After a connection loss the
    /// whole batch is published again.
    func publish(_ messages: [AMQPOutboundMessage]) async throws {
        guard !messages.isEmpty else { return }
        try await pending.acquire()
        defer { pending.release() }
        let deadline = ContinuousClock.now + settings.retryLimit
        var nacks = 0
        while true {
            var used: AMQPChannel?
            var usedConnection: AMQPConnection?
            do {
                // Opening the channel belongs inside: the connection may die under it, too.
                let target = try await channel()
                used = target.channel
                usedConnection = target.connection
                try await waitWhileBlocked(target.connection)
                if messages.count == 1 {
                    try await target.channel.publish(messages[0])
                } else {
                    try await target.channel.publish(messages)
                }
                return
            } catch let error as AMQPError where Self.isConnectionLoss(error) && ContinuousClock.now < deadline {
                logLoss(of: usedConnection, messages: messages.count, cause: error)
            } catch let error as AMQPError where error.code == .publishNacked && ContinuousClock.now < deadline {
                nacks += 1
                if let used { await retire(used) }
                let pause = Self.nackBackoff.delay(attempt: nacks)
                logger.warning(
                    "the broker refused the message (basic.nack); publishing again on a new channel",
                    metadata: ["messages": "\(messages.count)", "nacks": "\(nacks)", "retry_in": "\(pause)"]
                )
                try await Task.sleep(for: pause)
            }
        }
    }

    /// Waits until no publish is under way.
    func waitUntilIdle() async throws {
        try await pending.waitUntilIdle()
    }

    /// Logs a connection loss that caught publishes before their confirms: a warning for the first
    /// publish that meets a given loss, debug for the others (a full window is hundreds of them).
    private func logLoss(of connection: AMQPConnection?, messages: Int, cause: AMQPError) {
        let first = lossLogged.withLock { logged -> Bool in
            guard let connection else { return true }
            if logged === connection { return false }
            logged = connection
            return true
        }
        let metadata: Logger.Metadata = ["messages": "\(messages)", "cause": "\(cause)"]
        if first {
            logger.warning(
                "connection lost before the broker confirmed; unconfirmed publishes go out again on the next connection",
                metadata: metadata
            )
        } else {
            logger.debug("publishing again on the next connection", metadata: metadata)
        }
    }

    /// The pause between publishes of a nacked message.
    static let nackBackoff = Backoff(initial: .milliseconds(50), maximum: .seconds(1))

    /// Stops handing out `channel`. It is closed at a later retirement once the publishes still
    /// waiting on it had time to be confirmed (they are bounded by the retry limit), or with its
    /// connection.
    private func retire(_ channel: AMQPChannel) async {
        let now = ContinuousClock.now
        let grace = settings.retryLimit
        let expired: [AMQPChannel] = current.withLock { current in
            guard current?.channel === channel else { return [] }
            current = nil
            return retired.withLock { retired in
                let expired = retired.filter { $0.since + grace <= now || !$0.channel.isOpen }.map(\.channel)
                retired.removeAll { $0.since + grace <= now || !$0.channel.isOpen }
                retired.append((channel, now))
                return expired
            }
        }
        for channel in expired where channel.isOpen {
            try? await channel.close()
        }
    }

    /// Runs `body` on a channel of the current connection (for declarations that go with publishing).
    func withChannel<Result: Sendable>(_ body: (AMQPChannel) async throws -> Result) async throws -> Result {
        try await body(try await channel().channel)
    }

    private func waitWhileBlocked(_ connection: AMQPConnection) async throws {
        guard connection.blockedState.isBlocked else { return }
        logger.info("the broker blocks publishing; waiting", metadata: ["limit": "\(settings.blockedLimit)"])
        let limit = settings.blockedLimit
        let unblocked = await succeeds(within: limit) { (try? await connection.waitUntilUnblocked()) != nil }
        try Task.checkCancellation()
        guard unblocked || !connection.isOpen else {
            throw AMQPError(
                .resourceExhausted,
                "the broker has blocked publishing for \(limit) (a memory or disk alarm); try again later",
                operation: "basic.publish"
            )
        }
    }

    /// The channel to publish on: the current one while it and its connection are open, else a new
    /// one on the provider's current connection.
    private func channel() async throws -> Current {
        if let open = current.withLock({ $0 }), open.channel.isOpen { return open }
        let task: Task<Current, any Error> = opening.withLock { opening in
            if let running = opening { return running }
            let connections = self.connections
            let maxOutstanding = settings.maxOutstanding
            let task = Task {
                let connection = try await connections.connection()
                let channel = try await connection.openChannel()
                try await channel.confirmSelect(maxOutstanding: maxOutstanding)
                return Current(connection: connection, channel: channel)
            }
            opening = task
            return task
        }
        defer { opening.withLock { if $0 == task { $0 = nil } } }
        let fresh = try await task.value
        return current.withLock { current in
            if let existing = current, existing.channel.isOpen { return existing }
            current = fresh
            return fresh
        }
    }

    /// The connection went away under the publish (not: the application closed it).
    static func isConnectionLoss(_ error: AMQPError) -> Bool {
        if error.code == .connectionLost { return true }
        // A broker that closes the connection (restart: 320 CONNECTION_FORCED) has a reply code;
        // a close by the application has none.
        return error.code == .connectionClosed && error.replyCode != nil
    }
}
