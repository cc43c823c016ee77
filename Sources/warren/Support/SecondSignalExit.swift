import Dispatch
import Foundation
import Synchronization

/// "A second signal exits at once": counts `SIGTERM` and `SIGINT` next to swift-service-lifecycle
/// (which turns the first into a graceful shutdown) and, on the second, prints one line, kills the
/// running commands' process groups and exits with status 130 without waiting for anything. The
/// broker returns the unacknowledged tasks to their queue when the connection drops.
final class SecondSignalExit: Sendable {
    /// The exit status of an immediate exit.
    static let exitStatus: Int32 = 130

    private let count = Mutex(0)
    /// Set once in init; dispatch sources are thread-safe.
    private nonisolated(unsafe) let sources: [any DispatchSourceSignal]

    /// Starts counting `signals`.
    init(signals: [Int32] = [SIGTERM, SIGINT]) {
        let queue = DispatchQueue(label: "warren.second-signal")
        sources = signals.map { DispatchSource.makeSignalSource(signal: $0, queue: queue) }
        for source in sources {
            // Signals that arrive before the handler runs are coalesced; `data` counts them. The cycle
            // between the source and its handler ends when cancel() releases the handler.
            source.setEventHandler { [weak self, source] in self?.received(max(1, Int(source.data))) }
            source.resume()
        }
    }

    /// Stops counting.
    func cancel() {
        for source in sources { source.cancel() }
    }

    private func received(_ signals: Int) {
        let seen = count.withLock { count -> Int in
            count += signals
            return count
        }
        guard seen >= 2 else { return }
        Console.error("warren: second signal: exiting now; unacked tasks return to the queue")
        RunningCommands.shared.signalAll(SIGKILL)
        _exit(Self.exitStatus)
    }
}
