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
/// logged once each, with the cause. Reconnecting happens on demand, or in the background while
/// ``run()`` runs (a `WarrenClient` runs it for you).
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
        /// Connecting: `attempt` settles with the outcome. The task runs the attempt when callers drive
        /// reconnecting; it is nil while ``run()`` drives it.
        case connecting(Broadcast<AMQPConnection>, Task<Void, Never>?)
        case shutDown
    }

    /// The settings.
    public let configuration: Configuration
    private let logger: Logger
    private let state = Mutex(State.idle(lastError: nil))
    private let generation = Atomic<Int>(0)
    /// True while ``run()`` runs: then it alone connects, and callers only wait.
    private let maintained = Atomic<Bool>(false)

    /// A reconnecting connection over `configuration.endpoints`.
    public init(configuration: Configuration, logger: Logger = Logger(label: "warren.amqp")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// A reconnecting connection over `endpoints`, with default settings.
    public convenience init(endpoints: [AMQPConnection.Configuration], logger: Logger = Logger(label: "warren.amqp")) {
        self.init(configuration: Configuration(endpoints: endpoints), logger: logger)
    }

    /// True while there is an open connection (not while connecting or after a loss not yet noticed
    /// by ``run()`` or a caller).
    public var isConnected: Bool {
        state.withLock { state in
            if case .open(let connection) = state { return connection.isOpen }
            return false
        }
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
            case wait(Broadcast<AMQPConnection>)
        }
        let next: Next = try state.withLock { state in
            switch state {
            case .open(let connection) where connection.isOpen:
                return .ready(connection)
            case .open(let lost):
                logLoss(of: lost)
                return .wait(startAttempt(&state))
            case .idle:
                return .wait(startAttempt(&state))
            case .connecting(let attempt, _):
                return .wait(attempt)
            case .shutDown:
                throw AMQPError(.connectionClosed, "the reconnecting connection was shut down")
            }
        }
        switch next {
        case .ready(let connection):
            return connection
        case .wait(let attempt):
            // Shared by every waiter: a cancelled waiter stops waiting without ending the attempt.
            return try await attempt.value()
        }
    }

    /// Keeps the connection up in the background, for as long as it runs: connects at once, and
    /// reconnects as soon as a loss is seen rather than on the next call to ``connection()``, which
    /// meanwhile waits for it. Without `run()`, the next caller reconnects.
    ///
    /// Returns after ``shutdown()``. Cancelling it shuts the connection down.
    /// - Throws: what reconnecting cannot fix (wrong credentials, a missing virtual host).
    public func run() async throws {
        guard maintained.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else {
            throw AMQPError(.invalidArgument, "run() of this reconnecting connection is running already")
        }
        defer { maintained.store(false, ordering: .relaxed) }
        var failedRounds = 0
        while !Task.isCancelled {
            enum Next {
                case watch(AMQPConnection)
                case connect(Broadcast<AMQPConnection>)
                case follow(Broadcast<AMQPConnection>)
                case stop
            }
            let next: Next = state.withLock { state in
                switch state {
                case .open(let connection) where connection.isOpen:
                    return .watch(connection)
                case .open(let lost):
                    logLoss(of: lost)
                    return .connect(startAttempt(&state))
                case .idle:
                    return .connect(startAttempt(&state))
                case .connecting(let attempt, nil):
                    return .connect(attempt)
                case .connecting(let attempt, _):
                    // A caller's attempt started before run(): let it finish.
                    return .follow(attempt)
                case .shutDown:
                    return .stop
                }
            }
            do {
                switch next {
                case .watch(let connection):
                    failedRounds = 0
                    _ = try await connection.core.closeSignal.waitCancellably()
                case .follow(let attempt):
                    _ = try? await attempt.value()
                case .connect(let attempt):
                    do {
                        let connection = try await connect()
                        attempt.settle(.success(connection))
                    } catch {
                        attempt.settle(.failure(error))
                        if let error = error as? AMQPError, error.isPermanent { throw error }
                        try Task.checkCancellation()
                        failedRounds += 1
                        let pause = configuration.backoff.delay(attempt: failedRounds)
                        logger.warning("no broker answered; trying again", metadata: ["error": "\(error)", "retry_in": "\(pause)"])
                        try await Task.sleep(for: pause)
                    }
                case .stop:
                    return
                }
            } catch is CancellationError {
                break
            }
        }
        await shutdown()
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
        case .connecting(let attempt, let task):
            task?.cancel()
            attempt.settle(.failure(AMQPError(.connectionClosed, "the reconnecting connection was shut down")))
        case .idle, .shutDown:
            break
        }
    }

    private func logLoss(of lost: AMQPConnection) {
        let reason = lost.core.closeSignal.reason
        logger.warning("connection lost; reconnecting", metadata: ["cause": "\(reason.map { "\($0)" } ?? "unknown")"])
    }

    /// Starts a connect attempt that callers drive (when ``run()`` does not), or one that ``run()``
    /// will pick up.
    private func startAttempt(_ state: inout State) -> Broadcast<AMQPConnection> {
        let attempt = Broadcast<AMQPConnection>()
        guard !maintained.load(ordering: .relaxed) else {
            state = .connecting(attempt, nil)
            return attempt
        }
        let task = Task {
            do {
                attempt.settle(.success(try await self.connect()))
            } catch {
                attempt.settle(.failure(error))
            }
        }
        state = .connecting(attempt, task)
        return attempt
    }

    /// One connect attempt: rounds over the endpoints with back-off, until one answers or the wait
    /// limit passes. Records the outcome in the state.
    private func connect() async throws -> AMQPConnection {
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
                    guard opened(connection, after: round) else {
                        await connection.close()
                        throw AMQPError(.connectionClosed, "the reconnecting connection was shut down")
                    }
                    return connection
                } catch let error as AMQPError where error.isPermanent {
                    failed(error)
                    throw error
                } catch let error as AMQPError where error.code == .connectionClosed && isShutDown {
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
                failed(error)
                throw error
            }
            do {
                try await Task.sleep(for: pause)
            } catch {
                failed(AMQPError(.connectionFailed, "connecting was cancelled", underlying: lastError))
                throw error
            }
        }
    }

    private var isShutDown: Bool {
        state.withLock { state in
            if case .shutDown = state { return true }
            return false
        }
    }

    /// Makes `connection` the current one; false when the connection was shut down meanwhile.
    private func opened(_ connection: AMQPConnection, after rounds: Int) -> Bool {
        let replaced: Bool = state.withLock { state in
            if case .shutDown = state { return false }
            state = .open(connection)
            return true
        }
        guard replaced else { return false }
        let count = generation.add(1, ordering: .relaxed).newValue
        if count > 1 {
            logger.warning(
                "connection recovered",
                metadata: ["endpoint": "\(connection.configuration.redactedURL)", "failed_rounds": "\(rounds)"]
            )
        } else {
            logger.debug("connected", metadata: ["endpoint": "\(connection.configuration.redactedURL)"])
        }
        return true
    }

    private func failed(_ error: AMQPError) {
        state.withLock { state in
            if case .connecting = state { state = .idle(lastError: error) }
        }
    }
}
