#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Decodes task bodies about three times cheaper than Foundation's `JSONDecoder` for plain
/// `Decodable` types (structs and enums of strings, numbers, booleans, optionals, arrays,
/// dictionaries and `Date` under its default strategy).
///
/// Anything off that path gives up and returns nil, and ``TaskJSON`` decodes the same bytes with
/// Foundation, so results and errors are always Foundation's: input that is not strict JSON, a
/// missing key or a type mismatch (even one the type's own `init(from:)` catches), numbers that are
/// not plain integers where an integer is asked for, `Float`, `Data`, `URL`, `Decimal`, super
/// decoders. A type's `init(from:)` may therefore run twice for one body; it should have no side
/// effects (synthesized ones never do).
enum FastJSONDecoder {
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) -> T? {
        guard let tokens = JSONTokens.parse(bytes) else { return nil }
        let state = FastDecodingState(tokens)
        do {
            let value = try state.decode(T.self, at: 0, node: .root)
            return state.abandoned ? nil : value
        } catch {
            return nil
        }
    }
}

/// What the decoders and containers of one `decode` call share.
final class FastDecodingState {
    let json: JSONTokens
    /// Set on the first step off the fast path, even when the type's code catches the error.
    /// (Exclusivity unchecked: one `decode` call uses a state, on one thread, and setting a flag
    /// cannot overlap another access to it.)
    @exclusivity(unchecked) private(set) var abandoned = false

    init(_ json: JSONTokens) {
        self.json = json
    }

    func abandon() -> FastPathAbandoned {
        abandoned = true
        return FastPathAbandoned()
    }

    // MARK: Values

    func decode<T: Decodable>(_ type: T.Type, at index: Int, node: CodingPathNode) throws -> T {
        // Foundation's JSONDecoder decodes these its own way, not through their init(from:).
        if T.self == Data.self || T.self == URL.self || T.self == Decimal.self { throw abandon() }
        if T.self == String.self { return unsafeBitCast(try decodeString(at: index), to: T.self) }
        if T.self == Int.self { return unsafeBitCast(try decodeInteger(Int.self, at: index), to: T.self) }
        if T.self == Double.self { return unsafeBitCast(try decodeDouble(at: index), to: T.self) }
        if T.self == Bool.self { return unsafeBitCast(try decodeBool(at: index), to: T.self) }
        do {
            return try T(from: FastDecoder(state: self, index: index, node: node))
        } catch {
            // The type's own error, which its parent might catch: Foundation's path decides.
            _ = abandon()
            throw error
        }
    }

    func isNull(at index: Int) -> Bool {
        json[index].kind == .null
    }

    func decodeBool(at index: Int) throws -> Bool {
        switch json[index].kind {
        case .true: return true
        case .false: return false
        default: throw abandon()
        }
    }

    func decodeString(at index: Int) throws -> String {
        let token = json[index]
        guard token.kind == .string else { throw abandon() }
        if !token.flag {
            // The tokenizer has checked the UTF-8 already.
            return json.withBytes(of: token) { String(decoding: $0, as: UTF8.self) }
        }
        guard let string = json.withBytes(of: token, JSONStringEscapes.unescape) else { throw abandon() }
        return string
    }

    func decodeInteger<T: FixedWidthInteger>(_ type: T.Type, at index: Int) throws -> T {
        let token = json[index]
        // 1.0 and 1e2 are integers to Foundation too: it decides those.
        guard token.kind == .number, token.flag else { throw abandon() }
        let value: T? = json.withBytes(of: token) { digits in
            var negative = false
            var rest = digits[...]
            if rest.first == UInt8(ascii: "-") {
                negative = true
                rest = rest.dropFirst()
            }
            var magnitude: UInt64 = 0
            for digit in rest {
                let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit &- UInt8(ascii: "0")))
                if overflow1 || overflow2 { return nil }
                magnitude = sum
            }
            if !negative { return T(exactly: magnitude) }
            if magnitude <= UInt64(Int64.max) { return T(exactly: -Int64(magnitude)) }
            return magnitude == UInt64(Int64.max) + 1 ? T(exactly: Int64.min) : nil
        }
        guard let value else { throw abandon() }
        return value
    }

    func decodeDouble(at index: Int) throws -> Double {
        let token = json[index]
        guard token.kind == .number else { throw abandon() }
        if token.flag && token.end - token.start <= 15 {
            // At most 15 digits: exact as an integer and as a Double ("-0" keeps its sign).
            let integer = try decodeInteger(Int64.self, at: index)
            if integer == 0 && json.bytes[Int(token.start)] == UInt8(ascii: "-") { return -0.0 }
            return Double(integer)
        }
        let parsed = json.withBytes(of: token) { literal -> Double? in
            guard let value = Double(String(decoding: literal, as: UTF8.self)), value.isFinite else { return nil }
            // Zero is Foundation's call whenever it is not written plainly: it refuses some zeros with
            // an exponent ("0e3", "-0.0e3", not "0.0e3"), and a tiny literal may round to zero.
            if value == 0 && (literal.contains { $0 | 0x20 == UInt8(ascii: "e") || ($0 >= UInt8(ascii: "1") && $0 <= UInt8(ascii: "9")) }) {
                return nil
            }
            return value
        }
        guard let parsed else { throw abandon() }
        return parsed
    }

    /// The index of `key`'s value in the object at `object`: the first member with that name, as
    /// Foundation picks when a name repeats. Names are equal as Swift strings are (canonical
    /// equivalence, as Foundation's dictionary of members has it); two ASCII names are equal
    /// when their bytes are.
    func find(_ key: String, in object: Int) -> Int? {
        let count = Int(json[object].count)
        var index = object + 1
        var key = key
        return key.withUTF8 { wanted -> Int? in
            let wantedASCII = wanted.allSatisfy { $0 < 0x80 }
            for _ in 0..<count {
                let name = json[index]
                if !name.flag && name.ascii && wantedASCII {
                    if Int(name.end - name.start) == wanted.count, json.withBytes(of: name, { JSONStringEscapes.equal($0, wanted) }) {
                        return index + 1
                    }
                } else if let decoded = json.withBytes(of: name, JSONStringEscapes.unescapeOrCopy),
                          decoded == String(decoding: wanted, as: UTF8.self) {
                    return index + 1
                }
                index = Int(json[index + 1].next)
            }
            return nil
        }
    }

    /// The names of the object's members, in document order, each once (Foundation keeps the first
    /// of equal names).
    func names(in object: Int) -> [String] {
        var names: [String] = []
        var seen = Set<String>()
        var index = object + 1
        for _ in 0..<Int(json[object].count) {
            if let name = json.withBytes(of: json[index], JSONStringEscapes.unescapeOrCopy), seen.insert(name).inserted {
                names.append(name)
            }
            index = Int(json[index + 1].next)
        }
        return names
    }
}

/// The `Decoder` for one value of the document.
struct FastDecoder: Decoder {
    let state: FastDecodingState
    let index: Int
    let node: CodingPathNode

    var codingPath: [any CodingKey] { node.path }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard state.json[index].kind == .object else { throw state.abandon() }
        return KeyedDecodingContainer(FastKeyedDecodingContainer<Key>(state: state, object: index, node: node))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard state.json[index].kind == .array else { throw state.abandon() }
        return FastUnkeyedDecodingContainer(state: state, array: index, node: node)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        FastSingleValueDecodingContainer(state: state, index: index, node: node)
    }
}
