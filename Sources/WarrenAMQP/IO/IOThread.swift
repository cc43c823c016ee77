#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts the detached POSIX thread a connection's ``IODriver`` runs on.
///
/// A plain POSIX thread (``DetachedThread``) rather than Foundation's `Thread`, which would make
/// WarrenAMQP (and every worker) link all of Foundation with its ICU tables: about 6 MB more resident
/// memory per process.
enum IOThread {
    /// Starts `body` on a new detached thread, which first names itself `name` (on Linux at most 15
    /// bytes are kept).
    /// - Throws: ``AMQPError`` with `.resourceExhausted` when the system cannot create a thread.
    static func start(name: String, _ body: @escaping @Sendable () -> Void) throws(AMQPError) {
        let status = DetachedThread.start {
            setCurrentThreadName(name)
            body()
        }
        guard status == 0 else {
            throw AMQPError(
                .resourceExhausted,
                "could not start the connection's I/O thread: \(String(cString: strerror(status))); the process has too many threads or too little memory"
            )
        }
    }
}
