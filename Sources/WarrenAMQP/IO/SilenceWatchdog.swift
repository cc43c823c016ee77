#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Ends connections whose broker has been silent too long while their connection's user is stuck
/// inside rabbitmq-c.
///
/// The I/O thread ends a silent connection itself (``HeartbeatClock``), but only between library
/// calls. A write into a stalled network blocks inside rabbitmq-c once the socket is full, and
/// rabbitmq-c 0.11 to 0.13 may then wait for ever (upstream issue #780, fixed in 0.14: after the
/// heartbeat deadline it waits for input with no timeout; seen here as a publish blocked in
/// `poll(…, -1)` under `amqp_basic_publish` on Debian 12's 0.11). Whoever holds the connection then
/// never returns. So one thread per process looks at every watched connection every 50 ms and, once
/// nothing arrived for the limit, shuts the socket down: the blocked call fails, and the connection
/// ends as lost.
enum SilenceWatchdog {
    /// How often the watchdog looks.
    static let tick: Duration = .milliseconds(50)

    private struct State {
        var watches: [SilenceWatch] = []
        var running = false
    }

    private static let state = Mutex(State())

    /// Watches a connection until ``SilenceWatch/end()``.
    static func watch(_ watch: SilenceWatch) {
        let start = state.withLock { state -> Bool in
            state.watches.append(watch)
            guard !state.running else { return false }
            state.running = true
            return true
        }
        guard start else { return }
        if DetachedThread.start({ run() }) != 0 {
            // No thread: the I/O threads' own checks still end silent connections between calls.
            state.withLock { $0.running = false }
        }
    }

    private static func run() {
        setCurrentThreadName("warren-watchdog")
        let pause = useconds_t(tick.components.attoseconds / 1_000_000_000_000 + tick.components.seconds * 1_000_000)
        while true {
            usleep(pause)
            let now = SilenceWatch.monotonicNanoseconds()
            let goOn = state.withLock { state -> Bool in
                state.watches.removeAll { !$0.check(now: now) }
                if state.watches.isEmpty { state.running = false }
                return state.running
            }
            if !goOn { return }
        }
    }
}

/// One connection as the ``SilenceWatchdog`` sees it.
final class SilenceWatch: Sendable {
    private enum Phase: UInt8, AtomicRepresentable {
        case watching, ended, fired
    }

    /// A duplicate of the connection's socket descriptor, closed only by this watch: shutting it
    /// down ends the socket whichever thread is blocked in it, and rabbitmq-c closing its own
    /// descriptor (it does on some errors) can never make this number someone else's.
    private let descriptor: Int32
    private let limitNanoseconds: Int64
    private let lastReceived: Atomic<Int64>
    private let phase = Atomic<Phase>(.watching)

    /// Watches the socket `socket` (duplicated); nil when it cannot be duplicated.
    init?(socket: Int32, limit: Duration) {
        let duplicate = dup(socket)
        guard duplicate >= 0 else { return nil }
        descriptor = duplicate
        limitNanoseconds = limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000
        lastReceived = Atomic(Self.monotonicNanoseconds())
    }

    deinit {
        close(descriptor)
    }

    /// Bytes arrived from the broker.
    func received() {
        lastReceived.store(Self.monotonicNanoseconds(), ordering: .relaxed)
    }

    /// The connection ended: stop watching.
    func end() {
        _ = phase.compareExchange(expected: .watching, desired: .ended, ordering: .relaxed)
    }

    /// True once the watchdog shut the socket down because the broker was silent.
    var fired: Bool { phase.load(ordering: .relaxed) == .fired }

    /// The watchdog's look at `now`: shuts the socket down once the silence passed the limit.
    /// Returns false when the watch is over.
    func check(now: Int64) -> Bool {
        guard phase.load(ordering: .relaxed) == .watching else { return false }
        guard now - lastReceived.load(ordering: .relaxed) >= limitNanoseconds else { return true }
        guard phase.compareExchange(expected: .watching, desired: .fired, ordering: .relaxed).exchanged else { return false }
        shutdown(descriptor, Int32(SHUT_RDWR))
        return false
    }

    /// A monotonic clock reading in nanoseconds.
    static func monotonicNanoseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
