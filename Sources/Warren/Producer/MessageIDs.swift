import Synchronization

/// Unique message ids as RFC 9562 version-4 UUIDs (8-4-4-4-12 lowercase hex, the version and
/// variant bits set, so strict UUID parsers accept them), made without a system call each: 60
/// random bits drawn once per process, then a 62-bit counter that starts at a random value. Two
/// processes collide only if their random halves are equal (about 1 in 2^60 per pair).
enum MessageIDs {
    private static let prefix = (UInt64.random(in: 0...UInt64.max) & ~0xF000) | 0x4000  // version 4
    private static let counter = Atomic<UInt64>(UInt64.random(in: 0...UInt64.max >> 2))

    /// The first 19 characters of every id of this process ("xxxxxxxx-xxxx-4xxx-"), written once.
    private static let prefixText: [UInt8] = Array(format(high: prefix, low: 0).utf8.prefix(19))

    /// The next id.
    static func next() -> String {
        let count = counter.add(1, ordering: .relaxed).newValue
        let low = (count & (UInt64.max >> 2)) | (1 << 63)  // variant 10
        return String(unsafeUninitializedCapacity: 36) { buffer in
            for index in 0..<19 { buffer[index] = prefixText[index] }
            var position = 19
            put(low >> 48, nibbles: 4, into: buffer, at: &position)
            buffer[position] = UInt8(ascii: "-")
            position += 1
            put(low & 0xFFFF_FFFF_FFFF, nibbles: 12, into: buffer, at: &position)
            return position
        }
    }

    /// `high` and `low` written as a UUID.
    static func format(high: UInt64, low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            for (value, nibbles) in [(high >> 32, 8), ((high >> 16) & 0xFFFF, 4), (high & 0xFFFF, 4), (low >> 48, 4)] {
                put(value, nibbles: nibbles, into: buffer, at: &position)
                buffer[position] = UInt8(ascii: "-")
                position += 1
            }
            put(low & 0xFFFF_FFFF_FFFF, nibbles: 12, into: buffer, at: &position)
            return position
        }
    }

    /// Writes the low `nibbles` hex digits of `value`, most significant first.
    private static func put(_ value: UInt64, nibbles: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at position: inout Int) {
        for index in stride(from: nibbles - 1, through: 0, by: -1) {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(index * 4)) & 0xF
            buffer[position] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
            position += 1
        }
    }
}
