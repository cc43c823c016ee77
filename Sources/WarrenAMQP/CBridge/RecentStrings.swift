import CRabbitMQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The last string decoded from each of a few fields, reused while the bytes stay the same.
///
/// Every `basic.deliver` carries the consumer tag, exchange and routing key; on a consumer they are
/// nearly always those of the previous delivery. Comparing the bytes with the cached string's UTF-8
/// costs a `memcmp`; decoding a new `String` costs an allocation (for more than 15 bytes) and a
/// release later. Used on the I/O thread only.
struct RecentStrings {
    private var strings: [String]

    /// A cache with `slots` fields.
    init(slots: Int) {
        strings = Array(repeating: "", count: slots)
    }

    /// The bytes as a string (invalid UTF-8 replaced), the cached one when slot `slot` holds the same bytes.
    mutating func string(_ value: amqp_bytes_t, slot: Int) -> String {
        guard value.len > 0, let start = value.bytes else { return "" }
        let same = strings[slot].utf8.withContiguousStorageIfAvailable { cached in
            guard cached.count == value.len, let cachedStart = cached.baseAddress else { return false }
            return memcmp(cachedStart, start, value.len) == 0
        } ?? false
        if !same {
            strings[slot] = String(decoding: UnsafeRawBufferPointer(start: start, count: value.len), as: UTF8.self)
        }
        return strings[slot]
    }
}
