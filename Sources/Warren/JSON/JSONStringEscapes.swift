/// JSON string escapes: reading them (fast decoder) and writing them (fast encoder).
enum JSONStringEscapes {
    /// The string that the bytes between a JSON string's quotes stand for; nil for an escape that
    /// is not a whole character (a lone UTF-16 surrogate). The tokenizer has checked the escapes'
    /// syntax and the UTF-8 of the rest.
    static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            let byte = raw[i]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                i += 1
                continue
            }
            let escape = raw[i + 1]
            i += 2
            switch escape {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let unit = codeUnit(raw, at: i)
                i += 4
                var scalar: Unicode.Scalar?
                if unit >= 0xD800 && unit < 0xDC00 {
                    // A high surrogate must come with a low one.
                    guard raw.count - i >= 6, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u") else { return nil }
                    let low = codeUnit(raw, at: i + 2)
                    guard low >= 0xDC00 && low < 0xE000 else { return nil }
                    i += 6
                    scalar = Unicode.Scalar(0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00))
                } else {
                    scalar = Unicode.Scalar(unit)  // nil for a lone low surrogate
                }
                guard let scalar, let encoded = UTF8.encode(scalar) else { return nil }
                out.append(contentsOf: encoded)
            default:  // \" \\ \/
                out.append(escape)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// ``unescape(_:)``, or the bytes as they are when they hold no escape.
    static func unescapeOrCopy(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        raw.contains(UInt8(ascii: "\\")) ? unescape(raw) : String(decoding: raw, as: UTF8.self)
    }

    private static func codeUnit(_ raw: UnsafeBufferPointer<UInt8>, at i: Int) -> UInt16 {
        var unit: UInt16 = 0
        for k in 0..<4 {
            unit = unit << 4 | UInt16(JSONTokens.hexValue(raw[i + k]) ?? 0)
        }
        return unit
    }

    /// Appends `string` as a JSON string literal, escaping as Foundation's `JSONEncoder` does with
    /// `.withoutEscapingSlashes`: quote, backslash and control characters; everything else as is.
    static func appendQuoted(_ string: String, to out: inout [UInt8]) {
        var string = string
        string.withUTF8 { bytes in
            out.append(UInt8(ascii: "\""))
            guard let base = bytes.baseAddress else {
                out.append(UInt8(ascii: "\""))
                return
            }
            let raw = UnsafeRawPointer(base)
            var plainStart = 0
            var i = 0
            while i < bytes.count {
                // Eight bytes at a time while none of them needs an escape.
                if bytes.count - i >= 8, !needsEscape(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) {
                    i += 8
                    continue
                }
                let stop = min(i + 8, bytes.count)
                while i < stop {
                    let byte = bytes[i]
                    i += 1
                    guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                    if plainStart < i - 1 { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainStart..<(i - 1)])) }
                    plainStart = i
                    appendEscape(byte, to: &out)
                }
            }
            if plainStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainStart...])) }
            out.append(UInt8(ascii: "\""))
        }
    }

    /// Whether any of the eight bytes is a control character, a quote or a backslash (exact: the
    /// "has a zero byte" / "has a byte less than n" word tricks).
    static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let control = (word &- ones &* 0x20) & ~word
        let quoteZero = (quote &- ones) & ~quote
        let backslashZero = (backslash &- ones) & ~backslash
        return (control | quoteZero | backslashZero) & highs != 0
    }

    private static func appendEscape(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(UInt8(ascii: "f"))
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            let hex = { (nibble: UInt8) in nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10 }
            out.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex(byte >> 4), hex(byte & 0xF)])
        }
    }

    /// Whether two byte sequences are equal, eight bytes at a time.
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return true }
        let ra = UnsafeRawPointer(pa)
        let rb = UnsafeRawPointer(pb)
        var i = 0
        while a.count - i >= 8 {
            if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i += 8
        }
        while i < a.count {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }
}
