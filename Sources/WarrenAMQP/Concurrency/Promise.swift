import Synchronization

/// A one-shot result handed from the I/O thread to an awaiting Swift task.
///
/// The I/O thread may settle it before the task starts waiting (the reply arrived first), after, or
/// never (then a timeout, the connection's loss, or the task's cancellation settles it). Whatever
/// comes first wins; later attempts return false, which tells the I/O thread its caller is gone
/// (e.g. a `consume-ok` for a cancelled call, whose consumer must then be cancelled at the broker).
final class Promise<Value: Sendable>: Sendable {
    private enum State {
        case pending
        case waiting(UnsafeContinuation<Value, any Error>)
        case settled(Result<Value, any Error>)
        case delivered
    }

    private let state = Mutex(State.pending)

    /// Waits for the result. Cancelling the task settles the promise with `CancellationError`.
    func wait() async throws -> Value {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                let ready: Result<Value, any Error>? = state.withLock { state in
                    switch state {
                    case .pending:
                        state = .waiting(continuation)
                        return nil
                    case .settled(let result):
                        state = .delivered
                        return result
                    case .waiting, .delivered:
                        return .failure(AMQPError(.protocolError, "a call's result was awaited twice"))
                    }
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            fail(CancellationError())
        }
    }

    /// Settles with a value. Returns false when already settled.
    @discardableResult
    func succeed(_ value: Value) -> Bool {
        settle(.success(value))
    }

    /// Settles with an error. Returns false when already settled.
    @discardableResult
    func fail(_ error: any Error) -> Bool {
        settle(.failure(error))
    }

    /// True once settled (by a result, a failure or cancellation).
    var isSettled: Bool {
        state.withLock { state in
            if case .pending = state { return false }
            if case .waiting = state { return false }
            return true
        }
    }

    private func settle(_ result: Result<Value, any Error>) -> Bool {
        let continuation: UnsafeContinuation<Value, any Error>?
        let accepted: Bool
        (continuation, accepted) = state.withLock { state in
            switch state {
            case .pending:
                state = .settled(result)
                return (nil, true)
            case .waiting(let continuation):
                state = .delivered
                return (continuation, true)
            case .settled, .delivered:
                return (nil, false)
            }
        }
        continuation?.resume(with: result)
        return accepted
    }
}
