import Foundation

/// Starts a `Process` from a thread with no blocked signals.
///
/// A child inherits its parent thread's signal mask. Swift concurrency on Linux runs on libdispatch
/// worker threads, which block nearly every asynchronous signal (SIGTERM, SIGINT, SIGHUP, SIGCHLD…),
/// and Foundation's `Process` does not reset the mask: a command started from an async function
/// would ignore the SIGTERM the worker sends it. Starting it from a fresh thread whose mask is
/// cleared first gives the command the signals it expects.
enum ProcessLauncher {
    /// Runs `process.run()` on a dedicated thread with an empty signal mask and waits for it.
    static func run(_ process: Process) async throws {
        let started = OneShot<Result<Void, any Error>>()
        let thread = Thread {
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            do {
                try process.run()
                started.fulfil(.success(()))
            } catch {
                started.fulfil(.failure(error))
            }
        }
        thread.name = "warren-exec-launch"
        thread.start()
        try await started.wait().get()
    }
}
