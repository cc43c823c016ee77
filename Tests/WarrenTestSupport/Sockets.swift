#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `SOCK_STREAM` as `socket()` takes it: glibc declares it as an enum, Darwin and musl as a number.
public var streamSocketType: Int32 {
    #if canImport(Glibc)
    Int32(SOCK_STREAM.rawValue)
    #else
    SOCK_STREAM
    #endif
}

/// `close(2)` under a name that a type's own `close()` method does not hide.
@discardableResult
public func closeDescriptor(_ fd: Int32) -> Int32 {
    close(fd)
}
