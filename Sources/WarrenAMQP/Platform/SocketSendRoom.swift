#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How many more payload bytes the socket `fd` takes now without making the writer wait, by the
/// kernel's own accounting; nil when the system does not say (callers then assume no room).
///
/// On Linux a TCP write blocks once the memory the send queue takes (`sk_wmem_queued`) reaches the
/// send buffer (`sk_sndbuf`), and that memory is the payload plus a few hundred bytes of bookkeeping
/// per packet buffer: many small publishes fill it long before the payload bytes do, so counting
/// payload (`TIOCOUTQ`) overestimates the room. `getsockopt(SO_MEMINFO)` (Linux 4.6+) gives both
/// figures; half of the difference is counted as room, for the bookkeeping of what is written next.
/// Elsewhere (Darwin) the queued payload (``socketSendQueueBytes(_:)``) is taken against half of
/// `SO_SNDBUF`.
func socketSendRoom(_ fd: Int32) -> Int? {
    guard fd >= 0 else { return nil }
    #if os(Linux)
    // SO_MEMINFO (55) and the SK_MEMINFO_* indices come from <linux/sock_diag.h>.
    let soMeminfo: Int32 = 55
    let sndbufIndex = 3
    let wmemQueuedIndex = 5
    var info = [UInt32](repeating: 0, count: 16)
    var length = socklen_t(MemoryLayout<UInt32>.size * info.count)
    let status = info.withUnsafeMutableBytes { getsockopt(fd, SOL_SOCKET, soMeminfo, $0.baseAddress, &length) }
    guard status == 0, Int(length) >= MemoryLayout<UInt32>.size * (wmemQueuedIndex + 1) else { return nil }
    let free = Int(info[sndbufIndex]) - Int(info[wmemQueuedIndex])
    return max(0, free / 2)
    #else
    var size: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    guard getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &length) == 0, size > 0,
          let queued = socketSendQueueBytes(fd) else { return nil }
    return max(0, Int(size) / 2 - queued)
    #endif
}
