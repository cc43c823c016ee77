/// A JSON document parsed into a flat list of tokens, one per value, in document order: an object's
/// token is followed by its members (a string token for the key, then the value's tokens), an array's
/// by its elements. Every token knows where the value after it starts, so a container's members are
/// walked without looking inside them.
///
/// Strict RFC 8259 only: whatever it refuses (trailing commas, comments, leading zeros, control
/// characters in strings, invalid UTF-8, nesting deeper than 512) sends the caller back to
/// Foundation's parser, which has the final word on what is accepted.
struct JSONTokens {
    enum Kind: UInt8 {
        case object, array, string, number, `true`, `false`, null
    }

    struct Token {
        var kind: Kind
        /// Strings: contains a backslash escape. Numbers: has no fraction and no exponent.
        var flag: Bool
        /// Strings: only ASCII bytes (escapes included as written).
        var ascii: Bool
        /// Strings: the bytes between the quotes. Numbers: the literal. Containers: unused.
        var start: Int32
        var end: Int32
        /// Containers: the number of members or elements.
        var count: Int32
        /// The index of the first token after this value (and everything inside it).
        var next: Int32
    }

    let bytes: [UInt8]
    private(set) var tokens: [Token]

    static let maximumDepth = 512

    /// Parses `bytes`; nil when they are not strict JSON.
    static func parse(_ bytes: [UInt8]) -> JSONTokens? {
        guard bytes.count < Int(Int32.max) else { return nil }
        let tokens = bytes.withUnsafeBufferPointer { buffer -> [Token]? in
            var parser = Parser(bytes: buffer)
            return parser.parseDocument() ? parser.tokens : nil
        }
        guard let tokens else { return nil }
        return JSONTokens(bytes: bytes, tokens: tokens)
    }

    subscript(index: Int) -> Token { tokens[index] }

    /// The bytes of a string or number token.
    func withBytes<R>(of token: Token, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[Int(token.start)..<Int(token.end)]))
        }
    }

    /// Reads the document through a buffer pointer, valid for the parse only (inside `parse`).
    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0
        var tokens: [Token] = []
        var depth = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
            tokens.reserveCapacity(8 + bytes.count / 8)
        }

        mutating func parseDocument() -> Bool {
            skipWhitespace()
            guard parseValue() else { return false }
            skipWhitespace()
            return position == bytes.count
        }

        private mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): position += 1
                default: return
                }
            }
        }

        private mutating func parseValue() -> Bool {
            guard position < bytes.count else { return false }
            switch bytes[position] {
            case UInt8(ascii: "{"): return parseContainer(.object, closer: UInt8(ascii: "}"))
            case UInt8(ascii: "["): return parseContainer(.array, closer: UInt8(ascii: "]"))
            case UInt8(ascii: "\""): return parseString()
            case UInt8(ascii: "t"): return parseLiteral("true", .true)
            case UInt8(ascii: "f"): return parseLiteral("false", .false)
            case UInt8(ascii: "n"): return parseLiteral("null", .null)
            default: return parseNumber()
            }
        }

        private mutating func append(_ kind: Kind, flag: Bool = false, ascii: Bool = true, start: Int, end: Int) {
            tokens.append(
                Token(kind: kind, flag: flag, ascii: ascii, start: Int32(start), end: Int32(end), count: 0, next: Int32(tokens.count + 1))
            )
        }

        private mutating func parseLiteral(_ literal: StaticString, _ kind: Kind) -> Bool {
            let length = literal.utf8CodeUnitCount
            guard bytes.count - position >= length else { return false }
            let matches = literal.withUTF8Buffer { expected in
                expected.indices.allSatisfy { bytes[position + $0] == expected[$0] }
            }
            guard matches else { return false }
            append(kind, start: position, end: position + length)
            position += length
            return true
        }

        private mutating func parseContainer(_ kind: Kind, closer: UInt8) -> Bool {
            depth += 1
            guard depth <= JSONTokens.maximumDepth else { return false }
            let index = tokens.count
            append(kind, start: position, end: position)
            position += 1
            var count: Int32 = 0
            skipWhitespace()
            if position < bytes.count, bytes[position] == closer {
                position += 1
            } else {
                while true {
                    if kind == .object {
                        guard position < bytes.count, bytes[position] == UInt8(ascii: "\""), parseString(isKey: true) else { return false }
                        skipWhitespace()
                        guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { return false }
                        position += 1
                        skipWhitespace()
                    }
                    guard parseValue() else { return false }
                    count += 1
                    skipWhitespace()
                    guard position < bytes.count else { return false }
                    if bytes[position] == UInt8(ascii: ",") {
                        position += 1
                        skipWhitespace()
                    } else if bytes[position] == closer {
                        position += 1
                        break
                    } else {
                        return false
                    }
                }
            }
            tokens[index].count = count
            tokens[index].next = Int32(tokens.count)
            depth -= 1
            return true
        }

        /// A key's escapes must stand for whole characters: Foundation refuses the document
        /// otherwise, even when nobody asks for that key. (In a value, only if it is decoded.)
        private mutating func parseString(isKey: Bool = false) -> Bool {
            position += 1  // the opening quote
            let start = position
            var escaped = false
            var ascii = true
            let highs: UInt64 = 0x8080_8080_8080_8080
            while position < bytes.count {
                // Eight plain ASCII bytes at a time.
                if bytes.count - position >= 8 {
                    let word = UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: position, as: UInt64.self)
                    if word & highs == 0 && !JSONStringEscapes.needsEscape(word) {
                        position += 8
                        continue
                    }
                }
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    if !ascii && !UTF8Validation.isValid(bytes, start..<position) { return false }
                    if isKey && escaped && JSONStringEscapes.unescape(UnsafeBufferPointer(rebasing: bytes[start..<position])) == nil {
                        return false
                    }
                    append(.string, flag: escaped, ascii: ascii, start: start, end: position)
                    position += 1
                    return true
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                    position += 1
                    guard position < bytes.count else { return false }
                    switch bytes[position] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                         UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        position += 1
                    case UInt8(ascii: "u"):
                        guard bytes.count - position > 4,
                              (1...4).allSatisfy({ JSONTokens.hexValue(bytes[position + $0]) != nil })
                        else { return false }
                        position += 5
                    default:
                        return false
                    }
                } else if byte < 0x20 {
                    return false
                } else {
                    if byte >= 0x80 { ascii = false }
                    position += 1
                }
            }
            return false
        }

        private mutating func parseNumber() -> Bool {
            let start = position
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { return false }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
            } else {
                skipDigits()
            }
            var integer = true
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                integer = false
                position += 1
                guard position < bytes.count, isDigit(bytes[position]) else { return false }
                skipDigits()
            }
            if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
                integer = false
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                    position += 1
                }
                guard position < bytes.count, isDigit(bytes[position]) else { return false }
                skipDigits()
            }
            // A number must end at a delimiter ("01" and "1x" are not numbers).
            if position < bytes.count, isDigit(bytes[position]) { return false }
            append(.number, flag: integer, start: start, end: position)
            return true
        }

        private func isDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }

        private mutating func skipDigits() {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
