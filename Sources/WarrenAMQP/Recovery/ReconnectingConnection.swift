import Logging
import Synchronization

/// Keeps a connection to the first reachable broker of a list, replacing it when it is lost.
///
/// ```swift
/// let connections = ReconnectingConnection(endpoints: [
///     try .init(url: "amqp://app:secret@rabbit-1:5672/%2F"),
///     try .init(url: "amqp://app:secret@rabbit-2:5672/%2F"),
/// ])
/// let connection = try await connections.connection()
/// ```
///
/// ``connection()`` returns the current connection while it is open. After a loss (broker restart,
/// reset, missed heartbeats) the next caller reconnects, trying each endpoint in turn with back-off
/// and jitter between rounds, while other callers wait for the same attempt; each caller waits at most
/// ``Configuration/waitLimit`` and then gets the last connect error. The loss and the recovery are
/// logged once each, with the cause. Nothing runs in the background: reconnecting happens on demand.
///
/// What lived on the lost connection (channels, consumers, unconfirmed publishes, delivery tags) is
/// gone: callers re-open channels, re-declare topology and restart consumers on the new connection.
/// Warren's producer and worker do that for you.
public final class ReconnectingConnection: AMQPConnectionProvider, Sendable {
    /// Reconnection settings.
    public struct Configuration: Sendable {
        /// The brokers, tried in order (a cluster's nodes). At least one.
        public var endpoints: [AMQPConnection.Configuration]
        /// The pause between rounds over all endpoints.
        public var backoff: Backoff
        /// How long ``ReconnectingConnection/connection()`` waits for a connection before it fails.
        public var waitLimit: Duration

        /// Creates settings.
        public init(
            endpoints: [AMQPConnection.Configuration],
            backoff: Backoff = Backoff(),
            waitLimit: Duration = .seconds(30)
        ) {
            self.endpoints = endpoints
            self.backoff = backoff
            self.waitLimit = waitLimit
        }
    }

    private enum State {
        case idle(lastError: AMQPError?)
        case open(AMQPConnection)
        case connecting(Task<AMQPConnection, any Error>)
        case shutDown
    }

    /// The settings.
    public let configuration: Configuration
    private let logger: Logger
    private let state = Mutex(State.idle(lastError: nil))
    private let generation = Atomic<Int>(0)

    /// A reconnecting connection over `configuration.endpoints`.
    public init(configuration: Configuration, logger: Logger = Logger(label: "warren.amqp")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// A reconnecting connection over `endpoints`, with default settings.
    public convenience init(endpoints: [AMQPConnection.Configuration], logger: Logger = Logger(label: "warren.amqp")) {
        self.init(configuration: Configuration(endpoints: endpoints), logger: logger)
    }

    /// How many connections were opened so far; it grows by one with each recovery.
    public var connectionCount: Int { generation.load(ordering: .relaxed) }

    /// The open connection, connecting or reconnecting first when there is none.
    /// - Throws: the last connect error when no endpoint answered within
    ///   ``Configuration/waitLimit``; `CancellationError` when cancelled; `.connectionClosed` after
    ///   ``shutdown()``.
    public func connection() async throws -> AMQPConnection {
        enum Next {
            case ready(AMQPConnection)
            case wait(Task<AMQPConnection, any Error>)
        }
        let next: Next = try state.withLock { state in
            switch state {
            case .open(let connection) where connection.isOpen:
                return .ready(connection)
            case .open(let lost):
                let reason = lost.core.closeSignal.reason
                logger.warning("connection lost; reconnecting", metadata: ["cause": "\(reason.map { "\($0)" } ?? "unknown")"])
                let task = makeAttempt()
                state = .connecting(task)
                return .wait(task)
            case .idle:
                let task = makeAttempt()
                state = .connecting(task)
                return .wait(task)
            case .connecting(let task):
                return .wait(task)
            case .shutDown:
                throw AMQPError(.connectionClosed, "the reconnecting connection was shut down")
            }
        }
        switch next {
        case .ready(let connection):
            return connection
        case .wait(let attempt):
            // The attempt is shared by every waiter, so a cancelled waiter stops waiting without
            // cancelling it.
            let promise = Promise<AMQPConnection>()
            let relay = Task {
                do { promise.succeed(try await attempt.value) } catch { promise.fail(error) }
            }
            defer { relay.cancel() }
            return try await promise.wait()
        }
    }

    /// Closes the current connection and stops reconnecting. Later calls to ``connection()`` throw.
    public func shutdown() async {
        let current: State = state.withLock { state in
            let current = state
            state = .shutDown
            return current
        }
        switch current {
        case .open(let connection):
            await connection.close()
        case .connecting(let task):
            task.cancel()
            if let connection = try? await task.value { await connection.close() }
        case .idle, .shutDown:
            break
        }
    }

    /// One connect attempt shared by every caller until it ends: rounds over the endpoints with
    /// back-off, until one answers or the wait limit passes.
    private func makeAttempt() -> Task<AMQPConnection, any Error> {
        let configuration = self.configuration
        let logger = self.logger
        return Task {
            let deadline = ContinuousClock.now + configuration.waitLimit
            var round = 0
            var lastError: (any Error)? = nil
            while true {
                for endpoint in configuration.endpoints {
                    try Task.checkCancellation()
                    do {
                        var endpoint = endpoint
                        endpoint.connectTimeout = min(endpoint.connectTimeout, max(.milliseconds(100), deadline - .now))
                        let connection = try await AMQPConnection.connect(endpoint, logger: logger)
                        self.opened(connection, after: round, lastError: lastError)
                        return connection
                    } catch let error as AMQPError where error.isPermanent {
                        self.failed(error)
                        throw error
                    } catch {
                        lastError = error
                    }
                }
                round += 1
                let pause = configuration.backoff.delay(attempt: round)
                guard ContinuousClock.now + pause < deadline else {
                    let error = AMQPError(
                        .connectionFailed,
                        "no broker answered within \(configuration.waitLimit) (\(configuration.endpoints.count) endpoint(s) tried \(round) time(s))",
                        underlying: lastError
                    )
                    self.failed(error)
                    throw error
                }
                try await Task.sleep(for: pause)
            }
        }
    }

    private func opened(_ connection: AMQPConnection, after rounds: Int, lastError: (any Error)?) {
        let count = generation.add(1, ordering: .relaxed).newValue
        let replaced: Bool = state.withLock { state in
            if case .shutDown = state { return false }
            state = .open(connection)
            return true
        }
        guard replaced else {
            Task { await connection.close() }
            return
        }
        if count > 1 {
            logger.warning(
                "connection recovered",
                metadata: ["endpoint": "\(connection.configuration.redactedURL)", "failed_rounds": "\(rounds)"]
            )
        } else {
            logger.debug("connected", metadata: ["endpoint": "\(connection.configuration.redactedURL)"])
        }
    }

    private func failed(_ error: AMQPError) {
        state.withLock { state in
            if case .connecting = state { state = .idle(lastError: error) }
        }
    }
}
