/// Tells waiters when a connection has closed, and why.
final class CloseSignal: Sendable {
    private let closed = Broadcast<AMQPError>()

    /// The close reason, or nil while the connection is open.
    var reason: AMQPError? {
        guard case .success(let reason) = closed.result else { return nil }
        return reason
    }

    /// Waits until the connection has closed and returns why, even when the waiting task is cancelled.
    func wait() async -> AMQPError {
        switch await closed.valueIgnoringCancellation() {
        case .success(let reason): return reason
        case .failure(let error): return AMQPError(.connectionClosed, "the connection closed", underlying: error)
        }
    }

    /// Waits until the connection has closed and returns why; cancelling the waiting task ends the wait
    /// with `CancellationError`.
    func waitCancellably() async throws -> AMQPError {
        try await closed.value()
    }

    /// Records the close and wakes every waiter. Later calls are ignored.
    func signal(_ reason: AMQPError) {
        closed.settle(.success(reason))
    }
}
