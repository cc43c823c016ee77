import Synchronization

/// A result settled once and awaited by any number of tasks: a connection's close reason, the outcome
/// of a connect attempt that several callers share.
///
/// A waiter that is cancelled stops waiting (``value()`` throws `CancellationError`) without touching
/// the result or the other waiters. The first ``settle(_:)`` wins; later ones are ignored.
final class Broadcast<Value: Sendable>: Sendable {
    private enum Waiter {
        case cancellable(UnsafeContinuation<Value, any Error>)
        case uncancellable(UnsafeContinuation<Result<Value, any Error>, Never>)
    }

    private struct Waiting {
        var waiters: [Int: Waiter] = [:]
        /// Waiters cancelled before they were installed.
        var cancelled: Set<Int> = []
        var nextID = 0
    }

    private enum State {
        case waiting(Waiting)
        case settled(Result<Value, any Error>)
    }

    private let state = Mutex(State.waiting(Waiting()))

    /// The result once settled, nil before.
    var result: Result<Value, any Error>? {
        state.withLock { state in
            if case .settled(let result) = state { return result }
            return nil
        }
    }

    /// Waits for the result. Cancelling the waiting task ends the wait with `CancellationError`.
    func value() async throws -> Value {
        let id = state.withLock { state -> Int? in
            guard case .waiting(var waiting) = state else { return nil }
            defer { waiting.nextID += 1; state = .waiting(waiting) }
            return waiting.nextID
        }
        guard let id else { return try result!.get() }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                let ready: Result<Value, any Error>? = state.withLock { state in
                    switch state {
                    case .settled(let result):
                        return result
                    case .waiting(var waiting):
                        if waiting.cancelled.remove(id) != nil {
                            state = .waiting(waiting)
                            return .failure(CancellationError())
                        }
                        waiting.waiters[id] = .cancellable(continuation)
                        state = .waiting(waiting)
                        return nil
                    }
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                guard case .waiting(var waiting) = state else { return nil }
                let waiter = waiting.waiters.removeValue(forKey: id)
                if waiter == nil { waiting.cancelled.insert(id) }
                state = .waiting(waiting)
                return waiter
            }
            if case .cancellable(let continuation) = waiter { continuation.resume(throwing: CancellationError()) }
        }
    }

    /// Waits for the result whether or not the waiting task is cancelled.
    func valueIgnoringCancellation() async -> Result<Value, any Error> {
        await withUnsafeContinuation { continuation in
            let ready: Result<Value, any Error>? = state.withLock { state in
                switch state {
                case .settled(let result):
                    return result
                case .waiting(var waiting):
                    waiting.waiters[waiting.nextID] = .uncancellable(continuation)
                    waiting.nextID += 1
                    state = .waiting(waiting)
                    return nil
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Settles the result and wakes every waiter. Returns false when it was settled already.
    @discardableResult
    func settle(_ result: Result<Value, any Error>) -> Bool {
        let waiters: [Waiter]? = state.withLock { state in
            guard case .waiting(let waiting) = state else { return nil }
            state = .settled(result)
            return Array(waiting.waiters.values)
        }
        guard let waiters else { return false }
        for waiter in waiters {
            switch waiter {
            case .cancellable(let continuation): continuation.resume(with: result)
            case .uncancellable(let continuation): continuation.resume(returning: result)
            }
        }
        return true
    }
}
