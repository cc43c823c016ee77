#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The lock a connection's I/O thread holds whenever it is not asleep in `poll()`, so that a caller
/// may do the thread's work itself while it sleeps.
///
/// A publish handed to a sleeping I/O thread costs a wake-up (the eventfd, then the scheduler: 50 to
/// 150 µs on a busy two-core machine) before a byte is written; a C client writes the socket in place.
/// With this lock a caller that finds the thread asleep (``withIdleDriver(_:)`` gets the lock at once)
/// runs the same ``IODriver`` code on its own thread instead, and the rabbitmq-c connection still has
/// exactly one user at a time. A caller that finds the thread busy never waits: it uses the inbox.
///
/// `@unchecked Sendable`: `driver` is read and the ``IODriver`` it points to is used only while the
/// mutex is held (by the I/O thread between two `poll()`s, or by a caller inside
/// ``withIdleDriver(_:)``); the mutex itself is allocated once and never moves.
final class DriverLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// The driver while its connection is served; nil before the handshake and after the end.
    private var driver: IODriver?
    /// How many commands callers executed on their own threads (for tests and diagnostics).
    let callerThreadExecutions = Atomic<Int>(0)

    init() {
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        // Spins a little before sleeping where the C library can (glibc): the other side holds the
        // lock for a few microseconds at most.
        setBriefHoldMutexType(&attributes)
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Takes the lock, waiting for a caller that holds it. Only the I/O thread calls this.
    func lock() {
        pthread_mutex_lock(mutex)
    }

    /// Releases the lock. Only the I/O thread calls this, before it sleeps in `poll()`.
    func unlock() {
        pthread_mutex_unlock(mutex)
    }

    /// Makes `driver` available to callers (nil: no longer). The I/O thread calls this holding the lock.
    func setDriver(_ driver: IODriver?) {
        self.driver = driver
    }

    /// Runs `body` with the driver on the calling thread when the I/O thread is asleep and the
    /// connection is being served; returns nil at once otherwise (the I/O thread is busy, or another
    /// caller holds the lock, or there is no driver), never blocking.
    func withIdleDriver<Value>(_ body: (IODriver) -> Value) -> Value? {
        guard pthread_mutex_trylock(mutex) == 0 else { return nil }
        defer { pthread_mutex_unlock(mutex) }
        guard let driver, !driver.finished else { return nil }
        return body(driver)
    }

    /// Counts one command a caller executed on its own thread.
    func countCallerThreadExecution() {
        callerThreadExecutions.wrappingAdd(1, ordering: .relaxed)
    }
}
