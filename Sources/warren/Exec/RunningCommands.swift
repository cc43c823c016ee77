import Foundation
import Synchronization

/// The process groups of the commands running now, so that an immediate exit (a second signal) can
/// kill them instead of leaving orphans behind.
final class RunningCommands: Sendable {
    /// The registry of this process.
    static let shared = RunningCommands()

    private let groups = Mutex<Set<pid_t>>([])

    /// Records a running command's process group.
    func insert(_ group: pid_t) {
        groups.withLock { _ = $0.insert(group) }
    }

    /// Forgets a command's process group once it has ended.
    func remove(_ group: pid_t) {
        groups.withLock { _ = $0.remove(group) }
    }

    /// The number of commands running now.
    var count: Int { groups.withLock { $0.count } }

    /// Sends `signal` to every running command's process group.
    func signalAll(_ signal: Int32) {
        for group in groups.withLock({ $0 }) {
            kill(-group, signal)
        }
    }
}
