import Synchronization

/// Keeps a connection's blocked state and tells every subscriber when it changes.
final class BlockedStateBroadcaster: Sendable {
    private struct State {
        var current: AMQPBlockedState = .unblocked
        var subscribers: [Int: AsyncStream<AMQPBlockedState>.Continuation] = [:]
        var nextID = 0
        var finished = false
    }

    private let state = Mutex(State())

    /// The current state.
    var current: AMQPBlockedState {
        state.withLock { $0.current }
    }

    /// A stream that yields the current state, then every change, and ends when the connection closes.
    func updates() -> AsyncStream<AMQPBlockedState> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: AMQPBlockedState.self,
            bufferingPolicy: .bufferingNewest(16)
        )
        let id: Int? = state.withLock { state in
            continuation.yield(state.current)
            if state.finished { return nil }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = continuation
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Records a new state and tells the subscribers.
    func update(_ new: AMQPBlockedState) {
        state.withLock { state in
            state.current = new
            for subscriber in state.subscribers.values { subscriber.yield(new) }
        }
    }

    /// Ends every subscription (the connection is closed).
    func finish() {
        let subscribers = state.withLock { state in
            state.finished = true
            state.current = .unblocked
            let subscribers = state.subscribers.values
            state.subscribers = [:]
            return subscribers
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}
