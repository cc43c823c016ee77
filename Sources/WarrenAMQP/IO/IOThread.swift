import CRabbitMQ
import Glibc

/// Starts the detached POSIX thread a connection's ``IODriver`` runs on.
///
/// A plain `pthread_create` rather than Foundation's `Thread`, which would make WarrenAMQP (and every
/// worker) link all of Foundation with its ICU tables: about 6 MB more resident memory per process.
enum IOThread {
    /// What the new thread runs; retained until it starts.
    private final class Entry {
        let body: () -> Void

        init(_ body: @escaping () -> Void) {
            self.body = body
        }
    }

    /// Starts `body` on a new detached thread named `name` (at most 15 bytes are kept).
    /// - Throws: ``AMQPError`` with `.resourceExhausted` when the system cannot create a thread.
    static func start(name: String, _ body: @escaping @Sendable () -> Void) throws(AMQPError) {
        let entry = Unmanaged.passRetained(Entry(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            let entry = Unmanaged<Entry>.fromOpaque(argument).takeRetainedValue()
            entry.body()
            return nil
        }, entry)
        guard status == 0 else {
            Unmanaged<Entry>.fromOpaque(entry).release()
            throw AMQPError(
                .resourceExhausted,
                "could not start the connection's I/O thread: \(String(cString: strerror(status))); the process has too many threads or too little memory"
            )
        }
        _ = warren_set_thread_name(thread, String(name.utf8.prefix(15)) ?? "warren-amqp-io")
        pthread_detach(thread)
    }
}
