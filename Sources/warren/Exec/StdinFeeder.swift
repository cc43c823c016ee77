import Foundation

/// Writes a task's payload to a command's standard input on a thread of its own, then closes it.
/// A command that exits without reading its input is fine: the thread blocks `SIGPIPE`, so the
/// write fails with `EPIPE` instead of killing the worker (the signal stays pending on that thread
/// and is discarded when it ends). The worker does not ignore `SIGPIPE` process-wide, because
/// commands would inherit that.
enum StdinFeeder {
    /// Starts writing `bytes` to `handle` and closing it.
    static func feed(_ bytes: [UInt8], to handle: FileHandle) {
        let descriptor = handle.fileDescriptor
        let thread = Thread {
            var pipeSignal = sigset_t()
            sigemptyset(&pipeSignal)
            sigaddset(&pipeSignal, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
            var remaining = bytes[...]
            while !remaining.isEmpty {
                let written = remaining.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    break
                }
                remaining = remaining.dropFirst(written)
            }
            try? handle.close()
        }
        thread.name = "warren-exec-stdin"
        thread.start()
    }
}
