#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension WakeupDescriptor.Kind {
    /// The kinds this platform has: both on Linux, only ``pipe`` elsewhere.
    static var supported: [Self] {
        #if os(Linux)
        [.eventFD, .pipe]
        #else
        [.pipe]
        #endif
    }

    /// The kind every connection's inbox uses: ``eventFD`` on Linux, ``pipe`` elsewhere. Setting the
    /// environment variable `WARREN_WAKEUP=pipe` selects the pipe on Linux too, so that a test run
    /// can cover the code other platforms use; any other value is ignored. Read once, when first
    /// needed.
    static let `default`: Self = choose(environment: getenv("WARREN_WAKEUP").map { String(cString: $0) })

    /// The kind for a value of `WARREN_WAKEUP` (nil: unset).
    static func choose(environment value: String?) -> Self {
        if value == "pipe" { return .pipe }
        return supported[0]
    }
}
