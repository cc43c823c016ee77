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
    /// The thread holding the lock (`pthread_self()` as a number), 0 when none: what
    /// ``assertHeldByCurrentThread()`` checks in debug builds.
    private let owner = Atomic<UInt>(0)

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
        recordOwner()
    }

    /// Releases the lock. Only the I/O thread calls this, before it sleeps in `poll()`.
    func unlock() {
        clearOwner()
        pthread_mutex_unlock(mutex)
    }

    /// Stops the process in a debug build when the calling thread does not hold the lock: the
    /// rabbitmq-c connection has one user at a time, and this is how the code that touches it says so.
    /// Free in a release build.
    @inline(__always)
    func assertHeldByCurrentThread(_ function: StaticString = #function) {
        #if DEBUG
        precondition(
            owner.load(ordering: .relaxed) == Self.currentThread,
            "\(function) touched the rabbitmq-c connection without holding its DriverLock"
        )
        #endif
    }

    private static var currentThread: UInt { Self.number(of: pthread_self()) }

    /// A thread handle as a number: an integer on Linux, a pointer on Darwin.
    #if canImport(Darwin)
    private static func number(of thread: pthread_t) -> UInt { UInt(bitPattern: thread) }
    #else
    private static func number(of thread: pthread_t) -> UInt { UInt(thread) }
    #endif

    @inline(__always)
    private func recordOwner() {
        #if DEBUG
        owner.store(Self.currentThread, ordering: .relaxed)
        #endif
    }

    @inline(__always)
    private func clearOwner() {
        #if DEBUG
        owner.store(0, ordering: .relaxed)
        #endif
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
        recordOwner()
        defer {
            clearOwner()
            pthread_mutex_unlock(mutex)
        }
        guard let driver, !driver.finished else { return nil }
        return body(driver)
    }

    /// Counts one command a caller executed on its own thread.
    func countCallerThreadExecution() {
        callerThreadExecutions.wrappingAdd(1, ordering: .relaxed)
    }
}
