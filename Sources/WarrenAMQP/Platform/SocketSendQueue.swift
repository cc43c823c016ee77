#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How many bytes the kernel still holds in the send queue of the socket `fd` (written by the
/// application, not yet sent or not yet acknowledged), or nil when the system does not say.
///
/// Linux answers `ioctl(TIOCOUTQ)` (also known as `SIOCOUTQ`); Darwin answers
/// `getsockopt(SO_NWRITE)`. Elsewhere the answer is nil, which makes callers assume no room.
func socketSendQueueBytes(_ fd: Int32) -> Int? {
    var queued: Int32 = 0
    #if os(Linux)
    guard ioctl(fd, UInt(TIOCOUTQ), &queued) == 0 else { return nil }
    #elseif canImport(Darwin)
    var length = socklen_t(MemoryLayout<Int32>.size)
    guard getsockopt(fd, SOL_SOCKET, SO_NWRITE, &queued, &length) == 0 else { return nil }
    #else
    return nil
    #endif
    return Int(queued)
}
