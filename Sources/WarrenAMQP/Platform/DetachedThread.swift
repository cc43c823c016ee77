#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts POSIX threads that nobody joins.
///
/// The thread is created detached (an attribute), so its handle is never needed after
/// `pthread_create`. Where that handle lives differs: `pthread_t` is an integer on Linux, so
/// `pthread_t()` is a valid placeholder, but a non-optional pointer on Darwin, where
/// `pthread_create` takes a `pthread_t?` to fill in.
enum DetachedThread {
    /// What the new thread runs; retained until it starts.
    private final class Entry {
        let body: () -> Void

        init(_ body: @escaping () -> Void) {
            self.body = body
        }
    }

    /// Starts `body` on a new detached thread. Returns 0, or the error number `pthread_create` gave
    /// (`EAGAIN` when the process or system has too many threads or too little memory), in which
    /// case `body` never runs.
    static func start(_ body: @escaping @Sendable () -> Void) -> Int32 {
        var attributes = pthread_attr_t()
        guard pthread_attr_init(&attributes) == 0 else { return ENOMEM }
        defer { pthread_attr_destroy(&attributes) }
        _ = pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))

        let entry = Unmanaged.passRetained(Entry(body)).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t? = nil
        #else
        var thread = pthread_t()
        #endif
        // `run` takes an optional pointer: Linux passes one, Darwin a non-optional one, which converts.
        let status = pthread_create(&thread, &attributes, { DetachedThread.run($0) }, entry)
        if status != 0 {
            Unmanaged<Entry>.fromOpaque(entry).release()
        }
        return status
    }

    /// The new thread's first function: takes the ``Entry`` back and runs its body.
    private static func run(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
        guard let argument else { return nil }
        Unmanaged<Entry>.fromOpaque(argument).takeRetainedValue().body()
        return nil
    }
}
