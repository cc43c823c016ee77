import Foundation
import Synchronization

/// Copies a command's standard error to the worker's, keeping its last bytes for the task's error
/// text. Reads on a thread of its own until end of file.
final class StderrTail: Sendable {
    private struct State {
        var tail: [UInt8] = []
    }

    private let limit: Int
    private let state = Mutex(State())
    private let ended = OneShot<Void>()

    private init(limit: Int) {
        self.limit = limit
    }

    /// Starts copying from `handle` (the read end of the command's standard error pipe).
    static func start(reading handle: FileHandle, keeping limit: Int) -> StderrTail {
        let tail = StderrTail(limit: limit)
        let descriptor = handle.fileDescriptor
        let thread = Thread {
            tail.pump(descriptor)
            try? handle.close()
        }
        thread.name = "warren-exec-stderr"
        thread.start()
        return tail
    }

    /// The kept text once the command closed its standard error, or after `timeout` (a background
    /// child may hold the pipe open); trimmed, UTF-8 repaired at the cut.
    func text(waitingAtMost timeout: Duration) async -> String {
        let timer = Task {
            try? await Task.sleep(for: timeout)
            ended.fulfil(())
        }
        await ended.wait()
        timer.cancel()
        var bytes = state.withLock { $0.tail }[...]
        // Do not start in the middle of a UTF-8 sequence.
        while let first = bytes.first, first & 0b1100_0000 == 0b1000_0000 { bytes = bytes.dropFirst() }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func pump(_ descriptor: Int32) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            let chunk = buffer[..<count]
            Console.writeAll(chunk, to: STDERR_FILENO)
            state.withLock { state in
                state.tail.append(contentsOf: chunk)
                if state.tail.count > limit { state.tail.removeFirst(state.tail.count - limit) }
            }
        }
        ended.fulfil(())
    }
}
