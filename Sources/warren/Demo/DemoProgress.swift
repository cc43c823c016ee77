import Synchronization

/// What the demo's handlers did so far.
final class DemoProgress: Sendable {
    private struct State {
        var done: Set<Int> = []
        var retries = 0
        var gaveUp: Set<Int> = []
    }

    private let state = Mutex(State())

    /// Task `number` succeeded.
    func succeeded(_ number: Int) { state.withLock { _ = $0.done.insert(number) } }
    /// A task failed and will be retried.
    func retried() { state.withLock { $0.retries += 1 } }
    /// Task `number` failed its last attempt.
    func gaveUp(_ number: Int) { state.withLock { _ = $0.gaveUp.insert(number) } }

    /// Tasks that succeeded.
    var doneCount: Int { state.withLock { $0.done.count } }
    /// Retries so far.
    var retryCount: Int { state.withLock { $0.retries } }
    /// Tasks that failed their last attempt.
    var gaveUpNumbers: Set<Int> { state.withLock { $0.gaveUp } }
}
