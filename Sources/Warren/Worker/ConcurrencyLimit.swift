import DequeModule
import Synchronization

/// An async counting semaphore: at most `limit` holders at once, and a way to wait until none is
/// left. Waiting is cancellable.
final class ConcurrencyLimit: Sendable {
    private struct State {
        var running = 0
        var nextID = 0
        var slotWaiters: Deque<(id: Int, continuation: CheckedContinuation<Void, any Error>)> = []
        var idleWaiters: [Int: CheckedContinuation<Void, any Error>] = [:]
    }

    private let limit: Int
    private let state = Mutex(State())

    init(_ limit: Int) {
        self.limit = max(1, limit)
    }

    /// The number of holders now.
    var running: Int { state.withLock { $0.running } }

    /// Takes a free slot if there is one and nobody waits for it; never waits.
    func tryAcquire() -> Bool {
        state.withLock { state -> Bool in
            guard state.running < limit && state.slotWaiters.isEmpty else { return false }
            state.running += 1
            return true
        }
    }

    /// Waits for a free slot and takes it. Throws `CancellationError` when cancelled while waiting.
    func acquire() async throws {
        // Fast path: a free slot and nobody waiting; no continuation needed.
        try Task.checkCancellation()
        if tryAcquire() { return }
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Decided under the lock: a queued waiter is resumed by release() or by the
                // cancellation handler, never here.
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if state.running < limit && state.slotWaiters.isEmpty {
                        state.running += 1
                        return .success(())
                    }
                    state.slotWaiters.append((id, continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.slotWaiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.slotWaiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Gives a slot back, handing it to the next waiter if there is one.
    func release() {
        let (slotWaiter, idleWaiters) = state.withLock { state -> (CheckedContinuation<Void, any Error>?, [CheckedContinuation<Void, any Error>]) in
            if let next = state.slotWaiters.popFirst() {
                return (next.continuation, [])
            }
            state.running -= 1
            guard state.running == 0 else { return (nil, []) }
            let idle = Array(state.idleWaiters.values)
            state.idleWaiters.removeAll()
            return (nil, idle)
        }
        slotWaiter?.resume()
        for waiter in idleWaiters { waiter.resume() }
    }

    /// Returns once no slot is held. Throws `CancellationError` when cancelled first.
    func waitUntilIdle() async throws {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if state.running == 0 { return .success(()) }
                    state.idleWaiters[id] = continuation
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.idleWaiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }
}
