import Foundation
import Synchronization

/// Writes the tool's output: results on standard output, diagnostics on standard error, one whole
/// line at a time so lines from concurrent tasks never interleave.
enum Console {
    private static let lock = Mutex(())

    /// Writes `line` and a newline to standard output.
    static func out(_ line: String) {
        write(line + "\n", to: STDOUT_FILENO)
    }

    /// Writes `line` and a newline to standard error.
    static func error(_ line: String) {
        write(line + "\n", to: STDERR_FILENO)
    }

    /// Writes raw bytes to a file descriptor, retrying short writes and interruptions.
    static func writeAll(_ bytes: some Collection<UInt8>, to descriptor: Int32) {
        lock.withLock { _ in
            var remaining = Array(bytes)[...]
            while !remaining.isEmpty {
                let written = remaining.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                remaining = remaining.dropFirst(written)
            }
        }
    }

    private static func write(_ text: String, to descriptor: Int32) {
        writeAll(Array(text.utf8), to: descriptor)
    }
}
