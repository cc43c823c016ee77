#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
#if os(Linux)
import CRabbitMQ  // eventfd, declared in the shim's <sys/eventfd.h> on Linux only
#endif

/// A file descriptor one thread makes readable to wake another from `poll()`: an eventfd on Linux,
/// a pipe elsewhere (or on Linux with `WARREN_WAKEUP=pipe`, see ``Kind/default``).
///
/// ``signal()`` may be called any number of times from any thread; the descriptor stays readable
/// until ``drain()``. Both ends are non-blocking and close-on-exec.
struct WakeupDescriptor: Sendable {
    /// Which mechanism a descriptor uses.
    enum Kind: Sendable, Hashable, CustomStringConvertible {
        /// A Linux eventfd: one descriptor, a counter that `signal` adds to and `drain` resets.
        case eventFD
        /// A pipe: `signal` writes a byte (nothing when the pipe is full: it is readable anyway),
        /// `drain` reads until it is empty.
        case pipe

        var description: String {
            switch self {
            case .eventFD: "eventfd"
            case .pipe: "pipe"
            }
        }
    }

    let kind: Kind
    /// The descriptor to poll for `POLLIN`.
    let readableFD: Int32
    /// The descriptor ``signal()`` writes to: the same as ``readableFD`` for an eventfd.
    private let writableFD: Int32

    /// Creates a descriptor of `kind`.
    /// - Throws: ``AMQPError`` with `.resourceExhausted` when the process is out of descriptors, or
    ///   `.invalidArgument` for ``Kind/eventFD`` where there is no eventfd (not Linux).
    init(kind: Kind = .default) throws(AMQPError) {
        self.kind = kind
        switch kind {
        case .eventFD:
            #if os(Linux)
            let fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
            guard fd >= 0 else { throw Self.failure("eventfd()") }
            (readableFD, writableFD) = (fd, fd)
            #else
            throw AMQPError(.invalidArgument, "eventfd exists only on Linux; use a pipe")
            #endif
        case .pipe:
            var ends: [Int32] = [-1, -1]
            guard pipe(&ends) == 0 else { throw Self.failure("pipe()") }
            for fd in ends {
                let flags = fcntl(fd, F_GETFL)
                guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0,
                      fcntl(fd, F_SETFD, FD_CLOEXEC) == 0
                else {
                    let error = Self.failure("fcntl() on a pipe")
                    _ = closeDescriptor(ends[0])
                    _ = closeDescriptor(ends[1])
                    throw error
                }
            }
            (readableFD, writableFD) = (ends[0], ends[1])
        }
    }

    /// Makes ``readableFD`` readable (it may be already).
    func signal() {
        switch kind {
        case .eventFD:
            var one: UInt64 = 1
            while write(writableFD, &one, MemoryLayout<UInt64>.size) < 0, errno == EINTR {}
        case .pipe:
            var byte: UInt8 = 1
            // EAGAIN: the pipe is full, so it is readable already.
            while write(writableFD, &byte, 1) < 0, errno == EINTR {}
        }
    }

    /// Consumes every signal so far, so that ``readableFD`` is no longer readable until the next
    /// ``signal()``. Called by the polling thread only.
    func drain() {
        switch kind {
        case .eventFD:
            var counter: UInt64 = 0
            while read(readableFD, &counter, MemoryLayout<UInt64>.size) < 0, errno == EINTR {}
        case .pipe:
            var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
            let size = MemoryLayout.size(ofValue: buffer)
            while true {
                let count = withUnsafeMutableBytes(of: &buffer) { read(readableFD, $0.baseAddress, size) }
                if count == size || (count < 0 && errno == EINTR) { continue }
                return  // less than a buffer: empty now; or EAGAIN (empty), or an error
            }
        }
    }

    /// Closes the descriptor(s). Nothing may use it afterwards.
    func close() {
        _ = closeDescriptor(readableFD)
        if writableFD != readableFD { _ = closeDescriptor(writableFD) }
    }

    private static func failure(_ call: String) -> AMQPError {
        AMQPError(.resourceExhausted, "\(call) failed: \(String(cString: strerror(errno)))")
    }
}

/// `close(2)`, under a name that a type's own `close()` does not hide.
private func closeDescriptor(_ fd: Int32) -> Int32 {
    close(fd)
}
