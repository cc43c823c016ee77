import Synchronization

/// Tells waiters when a connection has closed, and why.
final class CloseSignal: Sendable {
    private enum State {
        case open([CheckedContinuation<AMQPError, Never>])
        case closed(AMQPError)
    }

    private let state = Mutex(State.open([]))

    /// The close reason, or nil while the connection is open.
    var reason: AMQPError? {
        state.withLock { state in
            if case .closed(let reason) = state { return reason }
            return nil
        }
    }

    /// Waits until the connection has closed and returns why.
    func wait() async -> AMQPError {
        await withCheckedContinuation { continuation in
            let reason: AMQPError? = state.withLock { state in
                switch state {
                case .open(var waiters):
                    waiters.append(continuation)
                    state = .open(waiters)
                    return nil
                case .closed(let reason):
                    return reason
                }
            }
            if let reason { continuation.resume(returning: reason) }
        }
    }

    /// Records the close and wakes every waiter. Later calls are ignored.
    func signal(_ reason: AMQPError) {
        let waiters: [CheckedContinuation<AMQPError, Never>] = state.withLock { state in
            guard case .open(let waiters) = state else { return [] }
            state = .closed(reason)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: reason) }
    }
}
