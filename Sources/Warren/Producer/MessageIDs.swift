import Synchronization

/// Unique message ids as RFC 9562 version-4 UUIDs (8-4-4-4-12 lowercase hex, the version and
/// variant bits set, so strict UUID parsers accept them), made without a system call each: 60
/// random bits drawn once per process, then a 62-bit counter that starts at a random value. Two
/// processes collide only if their random halves are equal (about 1 in 2^60 per pair).
enum MessageIDs {
    private static let prefix = (UInt64.random(in: 0...UInt64.max) & ~0xF000) | 0x4000  // version 4
    private static let counter = Atomic<UInt64>(UInt64.random(in: 0...UInt64.max >> 2))

    /// The next id.
    static func next() -> String {
        let count = counter.add(1, ordering: .relaxed).newValue
        return format(high: prefix, low: (count & (UInt64.max >> 2)) | (1 << 63))  // variant 10
    }

    /// `high` and `low` written as a UUID.
    static func format(high: UInt64, low: UInt64) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            func put(_ value: UInt64, nibbles: Int) {
                for index in stride(from: nibbles - 1, through: 0, by: -1) {
                    buffer[position] = digits[Int((value >> UInt64(index * 4)) & 0xF)]
                    position += 1
                }
            }
            func dash() {
                buffer[position] = UInt8(ascii: "-")
                position += 1
            }
            put(high >> 32, nibbles: 8)
            dash()
            put((high >> 16) & 0xFFFF, nibbles: 4)
            dash()
            put(high & 0xFFFF, nibbles: 4)
            dash()
            put(low >> 48, nibbles: 4)
            dash()
            put(low & 0xFFFF_FFFF_FFFF, nibbles: 12)
            return position
        }
    }
}
