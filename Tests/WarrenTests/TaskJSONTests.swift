import FoundationEssentials
@testable import Warren
import Testing

// The fast JSON coders must agree with Foundation's `JSONEncoder` / `JSONDecoder`: plain types stay on the
// fast path, everything else falls back, and `TaskJSON` always gives Foundation's result (value or error).
// JSON is compared by meaning, never byte for byte: Foundation's key order is not fixed.

// MARK: - Reference coders

private func foundationEncode<T: Encodable>(_ value: T) throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    return Array(try encoder.encode(value))
}

private func foundationDecode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
    try JSONDecoder().decode(type, from: Data(bytes))
}

/// Bytes as text for messages (escapes shown, so control characters are visible).
private func show(_ bytes: [UInt8]) -> String {
    String(reflecting: String(decoding: bytes, as: UTF8.self))
}

private func show(_ text: String) -> String {
    String(reflecting: text)
}

/// What an error is and where: enough to tell that two coders failed in the same way.
private func describe(_ error: any Error) -> String {
    func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    if let decoding = error as? DecodingError {
        switch decoding {
        case .keyNotFound(let key, let context):
            return "keyNotFound(\(key.stringValue)) at '\(path(context.codingPath))'"
        case .typeMismatch(let type, let context):
            return "typeMismatch(\(type)) at '\(path(context.codingPath))'"
        case .valueNotFound(let type, let context):
            return "valueNotFound(\(type)) at '\(path(context.codingPath))'"
        case .dataCorrupted(let context):
            return "dataCorrupted at '\(path(context.codingPath))'"
        @unknown default:
            return "\(decoding)"
        }
    }
    if let encoding = error as? EncodingError {
        switch encoding {
        case .invalidValue(_, let context):
            return "invalidValue at '\(path(context.codingPath))'"
        @unknown default:
            return "\(encoding)"
        }
    }
    return "\(type(of: error)): \(error)"
}

/// The case name of a `DecodingError` / `EncodingError`, for pinning what Foundation does.
private func kind(_ error: any Error) -> String {
    if let decoding = error as? DecodingError {
        switch decoding {
        case .keyNotFound: return "keyNotFound"
        case .typeMismatch: return "typeMismatch"
        case .valueNotFound: return "valueNotFound"
        case .dataCorrupted: return "dataCorrupted"
        @unknown default: return "unknown"
        }
    }
    if error is EncodingError { return "invalidValue" }
    return "\(type(of: error))"
}

// MARK: - A dynamic JSON value

/// Any JSON value, decoded by trying nil, Bool, Int, Double, String, array, object in that order.
/// Equality is strict: doubles by bit pattern, strings by their UTF-8 (not canonical equivalence).
private enum JSONValue: Codable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a.bitPattern == b.bitPattern
        case let (.string(a), .string(b)): return a.utf8.elementsEqual(b.utf8)
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return sameObjects(a, b, by: ==)
        default: return false
        }
    }

    /// Equal as JSON: like `==`, but a number is a number (`1` and `1.0` are the same).
    static func sameJSON(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case let (.int(a), .double(b)), let (.double(b), .int(a)):
            return Double(a) == b && Int(exactly: b) == a
        case let (.double(a), .double(b)):
            return a == b
        case let (.array(a), .array(b)):
            return a.count == b.count && zip(a, b).allSatisfy { sameJSON($0, $1) }
        case let (.object(a), .object(b)):
            return sameObjects(a, b, by: sameJSON)
        default:
            return lhs == rhs
        }
    }

    private static func sameObjects(
        _ a: [String: JSONValue], _ b: [String: JSONValue], by same: (JSONValue, JSONValue) -> Bool
    ) -> Bool {
        let keysA = a.keys.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
        let keysB = b.keys.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
        guard keysA == keysB else { return false }
        return a.allSatisfy { key, value in b[key].map { same(value, $0) } ?? false }
    }

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return "\(value)"
        case .int(let value): return "\(value)"
        case .double(let value): return "\(value)d"
        case .string(let value): return show(value)
        case .array(let value): return "[" + value.map(\.description).joined(separator: ",") + "]"
        case .object(let value):
            return "{" + value.map { "\(show($0.key)):\($0.value)" }.sorted().joined(separator: ",") + "}"
        }
    }
}

/// Records an issue unless two JSON texts mean the same (both parsed by Foundation).
@discardableResult
private func expectSameJSON(
    _ actual: [UInt8], _ expected: [UInt8], _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) -> Bool {
    let parsedActual: JSONValue
    do {
        parsedActual = try foundationDecode(JSONValue.self, from: actual)
    } catch {
        Issue.record("\(what) wrote \(show(actual)), which Foundation cannot parse: \(describe(error)); Foundation wrote \(show(expected))", sourceLocation: sourceLocation)
        return false
    }
    let parsedExpected: JSONValue
    do {
        parsedExpected = try foundationDecode(JSONValue.self, from: expected)
    } catch {
        Issue.record("Foundation cannot parse its own \(show(expected)): \(describe(error))", sourceLocation: sourceLocation)
        return false
    }
    let same = JSONValue.sameJSON(parsedActual, parsedExpected)
    #expect(same, "\(what) wrote \(show(actual)), Foundation wrote \(show(expected))", sourceLocation: sourceLocation)
    return same
}

// MARK: - The checks

/// A value that must stay on the fast path: (a) Foundation decodes FastJSONEncoder's output to an equal value,
/// and it means the same JSON as Foundation's; (b) FastJSONDecoder decodes Foundation's output to an equal value;
/// (c) neither gives up. Also the facade round-trips it.
@discardableResult
private func expectFastPath<T: Codable & Equatable>(
    _ value: T, sourceLocation: SourceLocation = #_sourceLocation
) -> Bool {
    var ok = true
    let reference: [UInt8]
    do {
        reference = try foundationEncode(value)
    } catch {
        Issue.record("Foundation cannot encode \(value): \(describe(error))", sourceLocation: sourceLocation)
        return false
    }

    if let fast = FastJSONEncoder.encode(value) {
        do {
            let back = try foundationDecode(T.self, from: fast)
            if back != value {
                ok = false
                Issue.record("Foundation decodes FastJSONEncoder's \(show(fast)) to \(back), not \(value)", sourceLocation: sourceLocation)
            }
        } catch {
            ok = false
            Issue.record("Foundation cannot decode FastJSONEncoder's \(show(fast)) as \(T.self): \(describe(error)); Foundation wrote \(show(reference))", sourceLocation: sourceLocation)
        }
        if !expectSameJSON(fast, reference, "FastJSONEncoder", sourceLocation: sourceLocation) { ok = false }
        if let again = FastJSONDecoder.decode(T.self, from: fast) {
            if again != value {
                ok = false
                Issue.record("FastJSONDecoder decodes FastJSONEncoder's \(show(fast)) to \(again), not \(value)", sourceLocation: sourceLocation)
            }
        } else {
            ok = false
            Issue.record("FastJSONDecoder gave up on FastJSONEncoder's \(show(fast)) for \(T.self)", sourceLocation: sourceLocation)
        }
    } else {
        ok = false
        Issue.record("FastJSONEncoder gave up on \(value) (Foundation writes \(show(reference)))", sourceLocation: sourceLocation)
    }

    if let decoded = FastJSONDecoder.decode(T.self, from: reference) {
        if decoded != value {
            ok = false
            Issue.record("FastJSONDecoder decodes Foundation's \(show(reference)) to \(decoded), not \(value)", sourceLocation: sourceLocation)
        }
    } else {
        ok = false
        Issue.record("FastJSONDecoder gave up on Foundation's \(show(reference)) for \(T.self)", sourceLocation: sourceLocation)
    }

    do {
        let bytes = try TaskJSON.encode(value)
        let back = try TaskJSON.decode(T.self, from: bytes)
        if back != value {
            ok = false
            Issue.record("TaskJSON round-trips \(value) through \(show(bytes)) to \(back)", sourceLocation: sourceLocation)
        }
    } catch {
        ok = false
        Issue.record("TaskJSON cannot round-trip \(value): \(describe(error))", sourceLocation: sourceLocation)
    }
    return ok
}

/// Bytes that must decode on the fast path, to what Foundation gives.
@discardableResult
private func expectFastDecode<T: Decodable & Equatable>(
    _ type: T.Type, from text: String, sourceLocation: SourceLocation = #_sourceLocation
) -> T? {
    let bytes = Array(text.utf8)
    let reference: T
    do {
        reference = try foundationDecode(T.self, from: bytes)
    } catch {
        Issue.record("Foundation cannot decode \(show(text)): \(describe(error))", sourceLocation: sourceLocation)
        return nil
    }
    let fast = FastJSONDecoder.decode(T.self, from: bytes)
    #expect(fast != nil, "FastJSONDecoder gave up on \(show(text))", sourceLocation: sourceLocation)
    if let fast {
        #expect(fast == reference, "FastJSONDecoder decodes \(show(text)) to \(fast), Foundation to \(reference)", sourceLocation: sourceLocation)
    }
    return reference
}

/// Whatever Foundation's `JSONEncoder` does with `value` (bytes or an error), TaskJSON does the same; the fast
/// encoder either gives up or writes the same JSON, and gives up when Foundation throws.
/// Returns Foundation's result, for pinning it.
@discardableResult
private func expectEncodesLikeFoundation<T: Encodable>(
    _ value: T, sourceLocation: SourceLocation = #_sourceLocation
) -> Result<[UInt8], any Error> {
    let reference = Result { try foundationEncode(value) }
    let facade = Result { try TaskJSON.encode(value) }
    let fast = FastJSONEncoder.encode(value)
    switch reference {
    case .success(let expected):
        switch facade {
        case .success(let actual):
            expectSameJSON(actual, expected, "TaskJSON.encode(\(value))", sourceLocation: sourceLocation)
        case .failure(let error):
            Issue.record("TaskJSON.encode(\(value)) threw \(describe(error)); Foundation wrote \(show(expected))", sourceLocation: sourceLocation)
        }
        if let fast {
            expectSameJSON(fast, expected, "FastJSONEncoder.encode(\(value))", sourceLocation: sourceLocation)
        }
    case .failure(let expected):
        switch facade {
        case .success(let actual):
            Issue.record("TaskJSON.encode(\(value)) wrote \(show(actual)); Foundation throws \(describe(expected))", sourceLocation: sourceLocation)
        case .failure(let error):
            #expect(describe(error) == describe(expected), "TaskJSON.encode(\(value)) threw \(describe(error)); Foundation throws \(describe(expected))", sourceLocation: sourceLocation)
        }
        #expect(fast == nil, "FastJSONEncoder wrote \(show(fast ?? [])) for \(value); Foundation throws \(describe(expected))", sourceLocation: sourceLocation)
    }
    return reference
}

/// Whatever Foundation's `JSONDecoder` does with `bytes` (a value or an error), TaskJSON does the same; the
/// fast decoder either gives up or gives the same value, and gives up when Foundation throws.
/// Returns Foundation's result, for pinning it.
@discardableResult
private func expectDecodesLikeFoundation<T: Decodable>(
    _ type: T.Type, from bytes: [UInt8], same: (T, T) -> Bool, exactErrors: Bool = true,
    sourceLocation: SourceLocation = #_sourceLocation
) -> Result<T, any Error> {
    let reference = Result { try foundationDecode(T.self, from: bytes) }
    let facade = Result { try TaskJSON.decode(T.self, from: bytes) }
    let fast = FastJSONDecoder.decode(T.self, from: bytes)
    switch reference {
    case .success(let expected):
        switch facade {
        case .success(let actual):
            #expect(same(actual, expected), "TaskJSON decodes \(show(bytes)) to \(actual); Foundation to \(expected)", sourceLocation: sourceLocation)
        case .failure(let error):
            Issue.record("TaskJSON throws \(describe(error)) for \(show(bytes)); Foundation decodes \(expected)", sourceLocation: sourceLocation)
        }
        if let fast {
            #expect(same(fast, expected), "FastJSONDecoder decodes \(show(bytes)) to \(fast); Foundation to \(expected)", sourceLocation: sourceLocation)
        }
    case .failure(let expected):
        switch facade {
        case .success(let actual):
            Issue.record("TaskJSON decodes \(show(bytes)) to \(actual); Foundation throws \(describe(expected))", sourceLocation: sourceLocation)
        case .failure(let error):
            // Where Foundation reports an error depends on the order it visits an object's keys, which
            // changes from one decode to the next when several keys fail: then only the kind is compared.
            #expect(exactErrors ? describe(error) == describe(expected) : kind(error) == kind(expected),
                    "TaskJSON throws \(describe(error)) for \(show(bytes)); Foundation throws \(describe(expected))", sourceLocation: sourceLocation)
        }
        #expect(fast == nil, "FastJSONDecoder decodes \(show(bytes)) to \(fast.map { "\($0)" } ?? ""); Foundation throws \(describe(expected))", sourceLocation: sourceLocation)
    }
    return reference
}

@discardableResult
private func expectDecodesLikeFoundation<T: Decodable & Equatable>(
    _ type: T.Type, from bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
) -> Result<T, any Error> {
    expectDecodesLikeFoundation(type, from: bytes, same: ==, sourceLocation: sourceLocation)
}

@discardableResult
private func expectDecodesLikeFoundation<T: Decodable & Equatable>(
    _ type: T.Type, from text: String, sourceLocation: SourceLocation = #_sourceLocation
) -> Result<T, any Error> {
    expectDecodesLikeFoundation(type, from: Array(text.utf8), same: ==, sourceLocation: sourceLocation)
}

// MARK: - Random numbers

/// A small seeded generator, so failures reproduce.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &self)
    }

    mutating func chance(_ probability: Double) -> Bool {
        Double.random(in: 0..<1, using: &self) < probability
    }

    mutating func pick<T>(_ choices: [T]) -> T {
        choices[int(0...(choices.count - 1))]
    }

    /// Any finite double, from a random bit pattern.
    mutating func finiteDouble() -> Double {
        while true {
            let value = Double(bitPattern: next())
            if value.isFinite { return value }
        }
    }

    /// Any Unicode scalar but a surrogate (those are not scalars).
    mutating func scalar() -> Unicode.Scalar {
        while true {
            let value: UInt32 = switch int(0...3) {
            case 0: UInt32(int(0x00...0x7F))
            case 1: UInt32(int(0x80...0x7FF))
            case 2: UInt32(int(0x800...0xFFFF))
            default: UInt32(int(0x10000...0x10FFFF))
            }
            if let scalar = Unicode.Scalar(value) { return scalar }
        }
    }

    mutating func string(maxLength: Int) -> String {
        var text = ""
        for _ in 0..<int(0...maxLength) {
            if chance(0.3) {
                text += pick(["\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1F}", "é", "🐇", "\u{2028}", "\u{7F}", "\u{FEFF}"])
            } else {
                text.unicodeScalars.append(scalar())
            }
        }
        return text
    }
}

// MARK: - Fast-path types

private struct Integers: Codable, Equatable {
    var i: Int, i8: Int8, i16: Int16, i32: Int32, i64: Int64
    var u: UInt, u8: UInt8, u16: UInt16, u32: UInt32, u64: UInt64
}

/// Strings compared by their UTF-8, not by canonical equivalence.
private struct Text: Codable, Equatable {
    var s: String
    var list: [String]
    var keyed: [String: Int]

    static func == (lhs: Text, rhs: Text) -> Bool {
        lhs.s.utf8.elementsEqual(rhs.s.utf8)
            && lhs.list.count == rhs.list.count
            && zip(lhs.list, rhs.list).allSatisfy { $0.utf8.elementsEqual($1.utf8) }
            && lhs.keyed.map { Array($0.key.utf8) + [0xFF] + Array("\($0.value)".utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
                == rhs.keyed.map { Array($0.key.utf8) + [0xFF] + Array("\($0.value)".utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
    }
}

/// Doubles compared by bit pattern (so -0.0 is not 0.0).
private struct Reals: Codable, Equatable {
    var d: Double
    var list: [Double]

    static func == (lhs: Reals, rhs: Reals) -> Bool {
        lhs.d.bitPattern == rhs.d.bitPattern && lhs.list.map(\.bitPattern) == rhs.list.map(\.bitPattern)
    }
}

private struct Flags: Codable, Equatable {
    var yes: Bool
    var no: Bool
    var list: [Bool]
}

private struct Leaf: Codable, Equatable {
    var n: Int
    var s: String
}

private struct Maybe: Codable, Equatable {
    var a: Int?
    var b: String?
    var c: [Int]?
    var d: Leaf?
    var e: Double?
    var f: Bool?
}

private struct Lists: Codable, Equatable {
    var empty: [Int]
    var nested: [[Int]]
    var emptyNested: [[Int]]
    var strings: [String]
    var leaves: [Leaf]
    var optionals: [Int?]
}

private struct Tables: Codable, Equatable {
    var counts: [String: Int]
    var empty: [String: Int]
    var leaves: [String: Leaf]
    var deep: [String: [String: [Int]]]
}

private struct Outer: Codable, Equatable {
    var name: String
    var middle: Middle
    var middles: [Middle]
}

private struct Middle: Codable, Equatable {
    var leaf: Leaf
    var numbered: Numbered
}

/// Coding keys with integer values: JSON uses their string values.
private struct Numbered: Codable, Equatable {
    var first: Int
    var second: String

    private enum CodingKeys: Int, CodingKey {
        case first = 1
        case second = 2
    }
}

private enum Event: Codable, Equatable {
    case started
    case progress(Int, note: String)
    case finished(result: Double?)
    case moved(Leaf, to: [Int])
}

private struct Events: Codable, Equatable {
    var events: [Event]
    var last: Event
}

private enum Color: String, Codable, Equatable {
    case red
    case green = "vert"
    case blue = "b/l\"ue\n"
}

private enum Priority: Int, Codable, Equatable {
    case low = -1
    case high = 10
}

private struct Palette: Codable, Equatable {
    var color: Color
    var colors: [Color]
    var priority: Priority
    var maybe: Color?
}

private struct Stamped: Codable, Equatable {
    var at: Date
    var history: [Date]
}

/// A single-value wrapper: a string, or null for an empty one.
private struct Label: Codable, Equatable {
    var text: String

    init(_ text: String) {
        self.text = text
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        text = try container.decodeNil() ? "" : container.decode(String.self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if text.isEmpty {
            try container.encodeNil()
        } else {
            try container.encode(text)
        }
    }
}

/// Hand-written coding with nested keyed and unkeyed containers and a single-value child.
private struct Custom: Codable, Equatable {
    var id: Int
    var x: Double
    var y: Double
    var tags: [String]
    var grid: [[Int]]
    var pairs: [Pair]
    var label: Label
    var extra: Int?

    struct Pair: Equatable {
        var key: String
        var value: Int
    }

    private enum Keys: String, CodingKey { case id, point, tags, grid, pairs, label, extra }
    private enum PointKeys: String, CodingKey { case x, y }
    private enum PairKeys: String, CodingKey { case k, v }

    init(id: Int, x: Double, y: Double, tags: [String], grid: [[Int]], pairs: [Pair], label: Label, extra: Int?) {
        (self.id, self.x, self.y, self.tags, self.grid, self.pairs, self.label, self.extra) = (id, x, y, tags, grid, pairs, label, extra)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(id, forKey: .id)
        var point = container.nestedContainer(keyedBy: PointKeys.self, forKey: .point)
        try point.encode(x, forKey: .x)
        try point.encode(y, forKey: .y)
        var list = container.nestedUnkeyedContainer(forKey: .tags)
        for tag in tags { try list.encode(tag) }
        var rows = container.nestedUnkeyedContainer(forKey: .grid)
        for row in grid {
            var cells = rows.nestedUnkeyedContainer()
            for cell in row { try cells.encode(cell) }
        }
        var pairList = container.nestedUnkeyedContainer(forKey: .pairs)
        for pair in pairs {
            var object = pairList.nestedContainer(keyedBy: PairKeys.self)
            try object.encode(pair.key, forKey: .k)
            try object.encode(pair.value, forKey: .v)
        }
        try container.encode(label, forKey: .label)
        try container.encodeIfPresent(extra, forKey: .extra)
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        id = try container.decode(Int.self, forKey: .id)
        let point = try container.nestedContainer(keyedBy: PointKeys.self, forKey: .point)
        x = try point.decode(Double.self, forKey: .x)
        y = try point.decode(Double.self, forKey: .y)
        var list = try container.nestedUnkeyedContainer(forKey: .tags)
        tags = []
        while !list.isAtEnd { tags.append(try list.decode(String.self)) }
        var rows = try container.nestedUnkeyedContainer(forKey: .grid)
        grid = []
        while !rows.isAtEnd {
            var cells = try rows.nestedUnkeyedContainer()
            var row: [Int] = []
            while !cells.isAtEnd { row.append(try cells.decode(Int.self)) }
            grid.append(row)
        }
        var pairList = try container.nestedUnkeyedContainer(forKey: .pairs)
        pairs = []
        while !pairList.isAtEnd {
            let object = try pairList.nestedContainer(keyedBy: PairKeys.self)
            pairs.append(Pair(key: try object.decode(String.self, forKey: .k), value: try object.decode(Int.self, forKey: .v)))
        }
        label = try container.decode(Label.self, forKey: .label)
        extra = try container.contains(.extra) ? container.decodeIfPresent(Int.self, forKey: .extra) : nil
    }
}

/// Hand-written coding as a top-level array.
private struct Triple: Codable, Equatable {
    var a: Int
    var b: String
    var c: Leaf

    init(a: Int, b: String, c: Leaf) {
        (self.a, self.b, self.c) = (a, b, c)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(a)
        try container.encode(b)
        try container.encode(c)
    }

    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        a = try container.decode(Int.self)
        b = try container.decode(String.self)
        c = try container.decode(Leaf.self)
    }
}

/// Many kinds of field at once, for the randomized fast-path check.
private struct Shape: Codable, Equatable {
    var id: Int64
    var small: Int8
    var count: UInt32
    var big: UInt64
    var name: String
    var score: Double
    var ok: Bool
    var note: String?
    var ratio: Double?
    var tags: [String]
    var grid: [[Int]]
    var attrs: [String: Int]
    var child: Child?
    var event: Event
    var color: Color
    var when: Date

    struct Child: Codable, Equatable {
        var label: String
        var values: [Double]
    }

    static func == (lhs: Shape, rhs: Shape) -> Bool {
        func same(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern }
        func same(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }
        func same(_ a: [String: Int], _ b: [String: Int]) -> Bool {
            a.count == b.count && a.allSatisfy { key, value in b[key] == value }
                && a.keys.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
                    == b.keys.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
        }
        return lhs.id == rhs.id && lhs.small == rhs.small && lhs.count == rhs.count && lhs.big == rhs.big
            && same(lhs.name, rhs.name) && same(lhs.score, rhs.score) && lhs.ok == rhs.ok
            && lhs.note?.utf8.map { $0 } == rhs.note?.utf8.map { $0 }
            && lhs.ratio?.bitPattern == rhs.ratio?.bitPattern
            && lhs.tags.count == rhs.tags.count && zip(lhs.tags, rhs.tags).allSatisfy { same($0, $1) }
            && lhs.grid == rhs.grid && same(lhs.attrs, rhs.attrs)
            && lhs.child?.label.utf8.map({ $0 }) == rhs.child?.label.utf8.map({ $0 })
            && lhs.child?.values.map(\.bitPattern) == rhs.child?.values.map(\.bitPattern)
            && lhs.event == rhs.event && lhs.color == rhs.color
            && lhs.when.timeIntervalSinceReferenceDate.bitPattern == rhs.when.timeIntervalSinceReferenceDate.bitPattern
    }

    static func random(using rng: inout SplitMix64) -> Shape {
        func double(_ rng: inout SplitMix64) -> Double {
            rng.chance(0.2) ? rng.pick([0, -0.0, 0.1, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -1.5, 1e21]) : rng.finiteDouble()
        }
        var attrs: [String: Int] = [:]
        for _ in 0..<rng.int(0...4) { attrs[rng.string(maxLength: 6)] = rng.int(-1_000_000...1_000_000) }
        let event: Event = switch rng.int(0...3) {
        case 0: .started
        case 1: .progress(rng.int(.min ... .max), note: rng.string(maxLength: 8))
        case 2: .finished(result: rng.chance(0.5) ? nil : double(&rng))
        default: .moved(Leaf(n: rng.int(-9...9), s: rng.string(maxLength: 3)), to: (0..<rng.int(0...3)).map { _ in rng.int(.min ... .max) })
        }
        return Shape(
            id: Int64.random(in: .min ... .max, using: &rng),
            small: Int8.random(in: .min ... .max, using: &rng),
            count: UInt32.random(in: .min ... .max, using: &rng),
            big: UInt64.random(in: .min ... .max, using: &rng),
            name: rng.string(maxLength: 16),
            score: double(&rng),
            ok: rng.chance(0.5),
            note: rng.chance(0.5) ? nil : rng.string(maxLength: 8),
            ratio: rng.chance(0.5) ? nil : double(&rng),
            tags: (0..<rng.int(0...4)).map { _ in rng.string(maxLength: 5) },
            grid: (0..<rng.int(0...3)).map { _ in (0..<rng.int(0...3)).map { _ in rng.int(.min ... .max) } },
            attrs: attrs,
            child: rng.chance(0.5) ? nil : Child(label: rng.string(maxLength: 4), values: (0..<rng.int(0...3)).map { _ in double(&rng) }),
            event: event,
            color: rng.pick([.red, .green, .blue]),
            when: Date(timeIntervalSinceReferenceDate: rng.chance(0.5) ? Double(rng.int(-4_000_000_000...4_000_000_000)) / 8 : double(&rng))
        )
    }
}

// MARK: - Types that leave the fast path

private struct Blob: Codable, Equatable {
    var data: Data
    var empty: Data
}

private struct Link: Codable, Equatable {
    var url: URL
    var links: [URL]
}

private struct Money: Codable, Equatable {
    var amount: Decimal
}

private struct Single: Codable, Equatable {
    var f: Float
    var list: [Float]
}

private class Base: Codable {
    var id: Int

    init(id: Int) {
        self.id = id
    }
}

/// Encodes its superclass through `superEncoder()`, under the key "super".
private final class Derived: Base, Equatable, CustomStringConvertible {
    var name: String

    private enum Keys: CodingKey { case name }

    init(id: Int, name: String) {
        self.name = name
        super.init(id: id)
    }

    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(name, forKey: .name)
        try super.encode(to: container.superEncoder())
    }

    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        name = try container.decode(String.self, forKey: .name)
        try super.init(from: container.superDecoder())
    }

    static func == (lhs: Derived, rhs: Derived) -> Bool {
        lhs.id == rhs.id && lhs.name == rhs.name
    }

    var description: String { "Derived(id: \(id), name: \(name))" }
}

private struct IntField: Codable, Equatable {
    var a: Int
}

private struct StringField: Codable, Equatable {
    var a: String
}

private struct DoubleField: Codable, Equatable {
    var a: Double

    static func == (lhs: DoubleField, rhs: DoubleField) -> Bool {
        lhs.a.bitPattern == rhs.a.bitPattern
    }
}

/// `x` if it decodes as an Int, else 7: a caught decoding error changes the result.
private struct Defaulted: Decodable, Equatable {
    var x: Int

    private enum Keys: CodingKey { case x }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        x = (try? container.decode(Int.self, forKey: .x)) ?? 7
    }
}

/// Falls back through types with `try?`, in an unkeyed container.
private struct Mixed: Decodable, Equatable {
    var items: [String]

    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        items = []
        while !container.isAtEnd {
            if let number = try? container.decode(Int.self) {
                items.append("int \(number)")
            } else if let data = try? container.decode(Data.self) {
                items.append("data \(Array(data))")
            } else {
                items.append("string \(try container.decode(String.self))")
            }
        }
    }
}

/// Catches a failure to decode Data or a URL, which the fast decoder cannot decode as Foundation does.
private struct SpecialDefaults: Decodable, Equatable {
    var data: Data
    var url: URL?

    private enum Keys: CodingKey { case data, url }

    init(data: Data, url: URL?) {
        self.data = data
        self.url = url
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        data = (try? container.decode(Data.self, forKey: .data)) ?? Data([0xEE])
        url = try? container.decode(URL.self, forKey: .url)
    }
}

private struct Oops: Error {}

/// Writes a key, then throws.
private struct Failing: Encodable {
    private enum Keys: CodingKey { case written }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(1, forKey: .written)
        throw Oops()
    }
}

/// Throws from `init(from:)` after reading.
private struct FailingDecode: Decodable {
    init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: AnyKey.self)
        throw Oops()
    }
}

/// Swallows encoding failures with `try?`: Foundation keeps none of what a failed child wrote.
private struct Swallowing: Encodable {
    private enum Keys: CodingKey { case failed, nan, kept, data, url, float }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try? container.encode(Failing(), forKey: .failed)
        try? container.encode(Double.nan, forKey: .nan)
        try container.encode(1, forKey: .kept)
        try? container.encode(Data([1, 2]), forKey: .data)
        try? container.encode(URL(string: "https://example.com/a/b")!, forKey: .url)
        try? container.encode(Float(0.1), forKey: .float)
    }
}

private struct SwallowingUnkeyed: Encodable {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(1)
        try? container.encode(Failing())
        try? container.encode(Double.infinity)
        try? container.encode(Data([3]))
        try container.encode(2)
    }
}

/// Encodes nothing at all.
private struct Nothing: Codable, Equatable {
    init() {}
    init(from decoder: any Decoder) throws {}
    func encode(to encoder: any Encoder) throws {}
}

private struct HoldsNothing: Encodable {
    var inner = Nothing()
    var list = [Nothing(), Nothing()]
}

/// Asks for a container and puts nothing in it.
private struct EmptyContainers: Encodable {
    var keyed: Bool

    private enum Keys: CodingKey { case unused }

    func encode(to encoder: any Encoder) throws {
        if keyed {
            _ = encoder.container(keyedBy: Keys.self)
        } else {
            _ = encoder.unkeyedContainer()
        }
    }
}

/// Writes nulls explicitly.
private struct ExplicitNulls: Encodable {
    private enum Keys: CodingKey { case a, b, c }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encodeNil(forKey: .a)
        try container.encode(Int?.none, forKey: .b)
        try container.encode([Int?.none, 1], forKey: .c)
    }
}

/// Records the coding path user code sees.
private struct PathProbe: Codable, Equatable, CustomStringConvertible {
    var path: String

    init() {
        path = ""
    }

    static func render(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: "/")
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Self.render(encoder.codingPath))
    }

    init(from decoder: any Decoder) throws {
        path = Self.render(decoder.codingPath)
        _ = try decoder.singleValueContainer().decode(String.self)
    }

    var description: String { path }
}

private struct PathHolder: Codable, Equatable {
    var a: PathProbe
    var list: [PathProbe]
    var map: [String: PathProbe]
    var grid: [[PathProbe]]
    var nested: Inner

    struct Inner: Codable, Equatable {
        var deep: PathProbe
    }
}

/// Reads every key with `allKeys`, and the count and nulls of an unkeyed container.
private struct Survey: Decodable, Equatable {
    var keys: [String]
    var hasB: Bool
    var count: Int?
    var nulls: Int

    private enum Keys: String, CodingKey { case a, b }

    init(keys: [String], hasB: Bool, count: Int?, nulls: Int) {
        (self.keys, self.hasB, self.count, self.nulls) = (keys, hasB, count, nulls)
    }

    init(from decoder: any Decoder) throws {
        let all = try decoder.container(keyedBy: AnyKey.self)
        keys = all.allKeys.map(\.stringValue).sorted()
        let known = try decoder.container(keyedBy: Keys.self)
        hasB = known.contains(.b)
        var list = try known.nestedUnkeyedContainer(forKey: .a)
        count = list.count
        nulls = 0
        while !list.isAtEnd {
            if try list.decodeNil() {
                nulls += 1
            } else {
                _ = try list.decode(Int.self)
            }
        }
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) {
        nil
    }
}

/// Encodes keys more than once: Foundation keeps the last value of each.
private struct RepeatedKeys: Encodable {
    private enum Keys: CodingKey { case a, b }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(1, forKey: .a)
        try container.encodeNil(forKey: .b)
        try container.encode(2, forKey: .a)
        try container.encode("x", forKey: .b)
    }
}

/// A superclass that encodes into the same encoder as its subclass: Foundation merges the two objects.
private class SharedParent: Encodable {
    var parent = 1

    private enum Keys: CodingKey { case parent }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(parent, forKey: .parent)
    }
}

private final class SharedChild: SharedParent {
    var child = 2

    private enum Keys: CodingKey { case child }

    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(child, forKey: .child)
        try super.encode(to: encoder)
    }
}

/// Swallows an error its child throws after writing part of itself, and goes on.
private struct SwallowsOwnError: Encodable {
    var keyed: Bool

    private enum Keys: CodingKey { case failed, kept }

    func encode(to encoder: any Encoder) throws {
        if keyed {
            var container = encoder.container(keyedBy: Keys.self)
            try? container.encode(Failing(), forKey: .failed)
            try container.encode(1, forKey: .kept)
        } else {
            var container = encoder.unkeyedContainer()
            try container.encode(1)
            try? container.encode([Failing()])
            try container.encode(2)
        }
    }
}

/// Goes back to a container after starting its sibling, and overwrites a key with a new value.
private struct Interleaved: Encodable {
    private enum Keys: CodingKey { case a, b, c }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        var list = container.nestedUnkeyedContainer(forKey: .a)
        try list.encode(1)
        try container.encode(2, forKey: .b)
        try list.encode(3)
        var object = container.nestedContainer(keyedBy: Keys.self, forKey: .c)
        try object.encode(4, forKey: .a)
        try container.encode(5, forKey: .a)
    }
}

/// Catches a failure to decode an enum (whose synthesized `init(from:)` counts the keys with `allKeys`).
private struct OptionalEvent: Decodable, Equatable {
    var event: Event?

    private enum Keys: CodingKey { case event }

    init(event: Event?) {
        self.event = event
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        event = try? container.decode(Event.self, forKey: .event)
    }
}

/// A synthesized optional with a non-ASCII key: decoded with `decodeIfPresent`.
private struct OptionalAccented: Codable, Equatable {
    var é: Int?
}

/// A struct whose only key is a non-ASCII name.
private struct Accented: Codable, Equatable {
    var é: Int
}

private struct Order: Codable, Equatable {
    var id: Int
    var name: String
    var tags: [String]
    var leaf: Leaf
    var color: Color
    var event: Event?
}

// MARK: - Random JSON text

/// Writes random JSON documents as text: nested objects and arrays, strings with escapes and Unicode,
/// integers and doubles written in many ways, booleans and nulls, with random whitespace.
private struct JSONTextGenerator {
    var rng: SplitMix64

    init(seed: UInt64) {
        rng = SplitMix64(state: seed)
    }

    mutating func document() -> String {
        let body: String = switch rng.int(0...3) {
        case 0, 1: object(depth: 0)
        case 2: array(depth: 0)
        default: value(depth: 0)
        }
        return space() + body + space()
    }

    mutating func space() -> String {
        rng.chance(0.7) ? "" : rng.pick([" ", "\n", "\t", "\r\n", "  ", " \n "])
    }

    mutating func value(depth: Int) -> String {
        switch rng.int(0...(depth >= 4 ? 6 : 9)) {
        case 0: return "null"
        case 1: return rng.chance(0.5) ? "true" : "false"
        case 2, 3: return integer()
        case 4: return double()
        case 5, 6: return string().text
        case 7, 8: return array(depth: depth)
        default: return object(depth: depth)
        }
    }

    mutating func array(depth: Int) -> String {
        let elements = (0..<rng.int(0...4)).map { _ in space() + value(depth: depth + 1) + space() }
        return "[" + elements.joined(separator: ",") + "]"
    }

    mutating func object(depth: Int) -> String {
        var keys: Set<String> = []
        var members: [String] = []
        for _ in 0..<rng.int(0...4) {
            let key = string()
            guard keys.insert(key.value).inserted else { continue }
            members.append(space() + key.text + space() + ":" + space() + value(depth: depth + 1) + space())
        }
        return "{" + members.joined(separator: ",") + "}"
    }

    mutating func integer() -> String {
        switch rng.int(0...5) {
        case 0: return String(rng.int(-9...9))
        case 1: return String(rng.int(-100_000...100_000))
        case 2: return String(Int64.random(in: .min ... .max, using: &rng))
        case 3: return String(UInt64.random(in: UInt64(Int64.max) ... UInt64.max, using: &rng))
        case 4:
            return rng.pick(["0", "-0", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
                             "-9223372036854775809", "18446744073709551615", "9007199254740993", "123456789012345678901234567890"])
        default:
            // Integral values written with a fraction or an exponent.
            return String(rng.int(-1000...1000)) + rng.pick([".0", "e0", "E+1", ".50", "e-1", ".000", "e2", "0e-1"])
        }
    }

    mutating func double() -> String {
        switch rng.int(0...3) {
        case 0:
            return "\(rng.finiteDouble())"
        case 1:
            return "\(Double.random(in: -1000...1000, using: &rng))"
        case 2:
            var text = rng.chance(0.3) ? "-" : ""
            text += rng.chance(0.2) ? "0" : String(rng.int(1...9))
            for _ in 0..<rng.int(0...18) { text += String(rng.int(0...9)) }
            if rng.chance(0.7) {
                text += "."
                for _ in 0..<rng.int(1...20) { text += String(rng.int(0...9)) }
            }
            if rng.chance(0.6) {
                text += rng.pick(["e", "E", "e+", "e-", "E-"])
                text += String(rng.chance(0.03) ? rng.int(300...340) : rng.int(0...30))
            }
            return text
        default:
            return rng.pick(["0.1", "5e-324", "1.7976931348623157e308", "2.2250738585072014e-308", "-0.0", "1e-7",
                             "123456.789e3", "0.30000000000000004", "4.9e-324", "1E400", "1e-400"])
        }
    }

    /// A JSON string literal, and the string it stands for.
    mutating func string() -> (text: String, value: String) {
        var text = "\""
        var value = ""
        func hex4(_ number: UInt32, _ rng: inout SplitMix64) -> String {
            let digits = String(number, radix: 16, uppercase: rng.chance(0.5))
            return String(repeating: "0", count: 4 - digits.count) + digits
        }
        for _ in 0..<rng.int(0...10) {
            switch rng.int(0...9) {
            case 0...3:
                let scalar = Unicode.Scalar(UInt8(rng.int(0x20...0x7E)))
                if scalar == "\"" || scalar == "\\" {
                    text += "\\" + String(scalar)
                } else {
                    text.unicodeScalars.append(scalar)
                }
                value.unicodeScalars.append(scalar)
            case 4:
                let (escape, meaning) = rng.pick([
                    ("\\\"", "\""), ("\\\\", "\\"), ("\\/", "/"), ("\\b", "\u{8}"),
                    ("\\f", "\u{C}"), ("\\n", "\n"), ("\\r", "\r"), ("\\t", "\t"),
                ])
                text += escape
                value += meaning
            case 5:
                let code = UInt32(rng.int(0x00...0x1F))
                text += "\\u" + hex4(code, &rng)
                value.unicodeScalars.append(Unicode.Scalar(code)!)
            case 6:
                var scalar = rng.scalar()
                while scalar.value > 0xFFFF { scalar = rng.scalar() }
                text += "\\u" + hex4(scalar.value, &rng)
                value.unicodeScalars.append(scalar)
            case 7:
                let code = UInt32(rng.int(0x10000...0x10FFFF))
                let offset = code - 0x10000
                text += "\\u" + hex4(0xD800 + (offset >> 10), &rng) + "\\u" + hex4(0xDC00 + (offset & 0x3FF), &rng)
                value.unicodeScalars.append(Unicode.Scalar(code)!)
            case 8:
                let raw = rng.pick(["é", "ß", "中", "🐇", "\u{2028}", "\u{2029}", "\u{7F}", "\u{FEFF}", "Ω", "👍🏽", "e\u{301}"])
                text += raw
                value += raw
            default:
                var scalar = rng.scalar()
                while scalar.value < 0x20 || scalar == "\"" || scalar == "\\" { scalar = rng.scalar() }
                text.unicodeScalars.append(scalar)
                value.unicodeScalars.append(scalar)
            }
        }
        return (text + "\"", value)
    }
}

// MARK: - 1. The fast path

@Suite("Task JSON: plain Codable types stay on the fast path and agree with Foundation")
struct TaskJSONFastPathTests {
    @Test("integers of every width, at their limits and in between")
    func integers() {
        expectFastPath(Integers(i: .min, i8: .min, i16: .min, i32: .min, i64: .min, u: .min, u8: .min, u16: .min, u32: .min, u64: .min))
        expectFastPath(Integers(i: .max, i8: .max, i16: .max, i32: .max, i64: .max, u: .max, u8: .max, u16: .max, u32: .max, u64: .max))
        expectFastPath(Integers(i: 0, i8: 0, i16: 0, i32: 0, i64: 0, u: 0, u8: 0, u16: 0, u32: 0, u64: 0))
        expectFastPath(Integers(i: -1, i8: -1, i16: -1, i32: -1, i64: -1, u: 1, u8: 1, u16: 1, u32: 1, u64: 1))
        var rng = SplitMix64(state: 1)
        for _ in 0..<50 {
            let value = Integers(
                i: .random(in: .min ... .max, using: &rng), i8: .random(in: .min ... .max, using: &rng),
                i16: .random(in: .min ... .max, using: &rng), i32: .random(in: .min ... .max, using: &rng),
                i64: .random(in: .min ... .max, using: &rng), u: .random(in: .min ... .max, using: &rng),
                u8: .random(in: .min ... .max, using: &rng), u16: .random(in: .min ... .max, using: &rng),
                u32: .random(in: .min ... .max, using: &rng), u64: .random(in: .min ... .max, using: &rng))
            if !expectFastPath(value) { break }
        }
    }

    @Test("strings: escapes, control characters, slashes, non-ASCII, emoji and line separators", arguments: [
        "", "plain ascii", "quote \" inside", "back\\slash", "line\nbreak", "tab\tstop", "cr\rlf\n", "\u{8}\u{C}",
        "\u{1}", "\u{1F}", "\u{0}nul", "a/b//c", "é", "🐇", "\u{2028}\u{2029}", "\u{7F}", "\u{FEFF}bom",
        "e\u{301} combining", "中文テキスト", "👍🏽 family 👨‍👩‍👧", "\\u0041 not an escape", "\"\\\"\\\\",
        String(repeating: "long é \" \n 🐇 ", count: 200),
    ])
    func strings(text: String) {
        expectFastPath(Text(s: text, list: [text, "x", text], keyed: [text: 1, "other": 2]))
        expectFastPath(text)
    }

    @Test("doubles: zeros, limits, subnormals and short decimals", arguments: [
        0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1e300, Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude,
        Double.leastNormalMagnitude, Double.leastNonzeroMagnitude, 123456.789, 1e21, 1e-7, 9007199254740992.0,
        9007199254740994.0, 0.30000000000000004, 2.5e-308, 1e16, 1e15, 100, -1234.5e-10, 9.223372036854775807e18,
    ])
    func doubles(value: Double) {
        expectFastPath(Reals(d: value, list: [value, -value, 1]))
        expectFastPath(value)
    }

    @Test("doubles from random bit patterns round-trip exactly")
    func randomDoubles() {
        var rng = SplitMix64(state: 2)
        for _ in 0..<200 {
            let values = (0..<4).map { _ in rng.finiteDouble() }
            if !expectFastPath(Reals(d: values[0], list: Array(values.dropFirst()))) { break }
        }
    }

    @Test("booleans")
    func booleans() {
        expectFastPath(Flags(yes: true, no: false, list: [true, false, false]))
        expectFastPath(Flags(yes: false, no: false, list: []))
        expectFastPath(true)
        expectFastPath([false, true])
    }

    @Test("optionals, absent and present; nil keys are left out as Foundation does")
    func optionals() throws {
        let absent = Maybe(a: nil, b: nil, c: nil, d: nil, e: nil, f: nil)
        let present = Maybe(a: 0, b: "", c: [], d: Leaf(n: 1, s: "x"), e: -0.0, f: false)
        expectFastPath(absent)
        expectFastPath(present)
        expectFastPath(Maybe(a: 3, b: nil, c: [1], d: nil, e: 2.5, f: nil))

        let fast = try #require(FastJSONEncoder.encode(absent))
        #expect(try foundationDecode(JSONValue.self, from: fast) == .object([:]), "absent optionals: \(show(fast))")
        let some = try #require(FastJSONEncoder.encode(Maybe(a: 1, b: nil, c: nil, d: nil, e: nil, f: nil)))
        #expect(try foundationDecode(JSONValue.self, from: some) == .object(["a": .int(1)]), "one present optional: \(show(some))")

        // Explicit nulls and missing keys both decode as nil, on the fast path.
        #expect(expectFastDecode(Maybe.self, from: #"{"a":null,"b":null,"c":null,"d":null,"e":null,"f":null}"#) == absent)
        #expect(expectFastDecode(Maybe.self, from: #"{"a":1,"c":[2,3]}"#) == Maybe(a: 1, b: nil, c: [2, 3], d: nil, e: nil, f: nil))
    }

    @Test("arrays: empty, nested and of structs and optionals")
    func arrays() {
        expectFastPath(Lists(empty: [], nested: [[1, 2], [], [3]], emptyNested: [[]], strings: ["a", "", "\""],
                             leaves: [Leaf(n: 1, s: "x"), Leaf(n: -2, s: "é")], optionals: [nil, 1, nil]))
        expectFastPath(Lists(empty: [], nested: [], emptyNested: [[], []], strings: [], leaves: [], optionals: []))
    }

    @Test("dictionaries with string keys")
    func dictionaries() {
        expectFastPath(Tables(counts: ["a": 1, "b": -2, "": 0, "k\"ey\n": 3, "🐇": 4, "a/b": 5],
                              empty: [:], leaves: ["x": Leaf(n: 1, s: "y")], deep: ["a": ["b": [1, 2]], "c": [:]]))
        expectFastPath(["one": 1, "two": 2])
        expectFastPath([String: Int]())
    }

    @Test("nested structs and integer-valued coding keys")
    func nested() {
        let middle = Middle(leaf: Leaf(n: 5, s: "five"), numbered: Numbered(first: 1, second: "2"))
        expectFastPath(Outer(name: "outer", middle: middle, middles: [middle, middle]))
        expectFastPath(Outer(name: "", middle: middle, middles: []))
    }

    @Test("enums with associated values, synthesized coding")
    func enums() {
        let all: [Event] = [.started, .progress(42, note: "half\n"), .finished(result: nil), .finished(result: 0.25),
                            .moved(Leaf(n: 1, s: "a"), to: [1, 2, 3])]
        for event in all {
            expectFastPath(event)
        }
        expectFastPath(Events(events: all, last: .started))
        #expect(expectFastDecode(Event.self, from: #"{"progress":{"_0":7,"note":"n"}}"#) == .progress(7, note: "n"))
    }

    @Test("enums with raw values")
    func rawValueEnums() {
        expectFastPath(Palette(color: .red, colors: [.green, .blue, .red], priority: .low, maybe: nil))
        expectFastPath(Palette(color: .blue, colors: [], priority: .high, maybe: .green))
        expectFastPath(Color.green)
        expectFastPath(Priority.low)
    }

    @Test("dates, with Foundation's default strategy (seconds since 2001 as a number)")
    func dates() throws {
        let dates = [Date(timeIntervalSinceReferenceDate: 0), Date(timeIntervalSinceReferenceDate: 12.5),
                     Date(timeIntervalSinceReferenceDate: -1e9), Date(timeIntervalSinceReferenceDate: 765_432_109.876_543),
                     .distantFuture, .distantPast]
        for date in dates {
            expectFastPath(Stamped(at: date, history: dates))
            expectFastPath(date)
        }
        let fast = try #require(FastJSONEncoder.encode(Date(timeIntervalSinceReferenceDate: 12.5)))
        #expect(try foundationDecode(JSONValue.self, from: fast) == .double(12.5), "\(show(fast))")
        #expect(expectFastDecode(Date.self, from: "12.5") == Date(timeIntervalSinceReferenceDate: 12.5))
    }

    @Test("hand-written coding with nested keyed, unkeyed and single-value containers")
    func customContainers() {
        expectFastPath(Custom(id: 1, x: 0.5, y: -2, tags: ["a", "b/c"], grid: [[1, 2], [], [3]],
                              pairs: [.init(key: "k", value: 1), .init(key: "é", value: -1)], label: Label("lbl"), extra: 9))
        expectFastPath(Custom(id: 0, x: 0, y: 0, tags: [], grid: [], pairs: [], label: Label(""), extra: nil))
        expectFastPath(Triple(a: 1, b: "two", c: Leaf(n: 3, s: "three")))
        expectFastPath([Triple(a: -1, b: "", c: Leaf(n: 0, s: ""))])
        expectFastPath(Label("top-level single value"))
        expectFastPath([Label(""), Label("x")])
    }

    @Test("top-level arrays and scalars")
    func topLevel() {
        expectFastPath([1, 2, 3])
        expectFastPath([Int]())
        expectFastPath([[1], [], [2, 3]])
        expectFastPath([Leaf(n: 1, s: "a")])
        expectFastPath(0)
        expectFastPath(Int.min)
        expectFastPath(UInt64.max)
        expectFastPath(Int8.min)
        expectFastPath("top\n\"level\"")
        expectFastPath(false)
        expectFastPath(0.1)
        expectFastPath([0.5, -0.0])
    }

    @Test("bodies as other producers write them: whitespace, escaped non-ASCII, unknown keys, any key order")
    func foreignBodies() {
        // Python's json.dumps: ", " and ": " separators, non-ASCII as \u escapes.
        #expect(expectFastDecode(Order.self, from: #"{"id": 1, "name": "caf\u00e9 \ud83d\udc07", "tags": ["a", "b"], "leaf": {"n": 2, "s": "\/"}, "color": "vert", "event": null}"#)
            == Order(id: 1, name: "café 🐇", tags: ["a", "b"], leaf: Leaf(n: 2, s: "/"), color: .green, event: nil))
        // Pretty-printed, keys in another order, keys this type does not know.
        expectFastDecode(Order.self, from: """
            {
              "unknown" : { "deep" : [ 1, { "x" : null }, "s", 1.5e3, true ] },
              "tags" : [ ],
              "leaf" : { "s" : "", "n" : -1, "more" : [] },
              "color" : "red",
              "name" : "n",
              "id" : 0,
              "event" : { "started" : { } }
            }
            """)
        expectFastDecode(Leaf.self, from: "\t\r\n {\"n\":1,\"s\":\"x\"} \n")
    }
}

// MARK: - 2. Leaving the fast path

@Suite("Task JSON: where the fast path gives up, TaskJSON still gives Foundation's result")
struct TaskJSONFallbackTests {
    @Test("Data is base64, as Foundation writes it")
    func data() throws {
        let blob = Blob(data: Data([0, 1, 2, 0xFF, 0xFE]), empty: Data())
        let written = try expectEncodesLikeFoundation(blob).get()
        #expect(try foundationDecode(JSONValue.self, from: written) == .object(["data": .string("AAEC//4="), "empty": .string("")]))
        #expect(try expectDecodesLikeFoundation(Blob.self, from: written).get() == blob)
        #expect(try expectDecodesLikeFoundation(Data.self, from: #""AQID""#).get() == Data([1, 2, 3]))
        // An array of bytes is how Data encodes itself, but not what Foundation's JSON coders take.
        #expect(throws: DecodingError.self) { try expectDecodesLikeFoundation(Data.self, from: "[1,2,3]").get() }
        #expect(throws: DecodingError.self) { try expectDecodesLikeFoundation(Data.self, from: #""!!""#).get() }
    }

    @Test("URLs are strings, as Foundation writes them")
    func urls() throws {
        let link = Link(url: URL(string: "https://example.com/a/b?c=1&d=é")!,
                        links: [URL(string: "b/c", relativeTo: URL(string: "https://h.example/x/")!)!, URL(string: "mailto:x@y")!])
        let written = try expectEncodesLikeFoundation(link).get()
        let parsed = try foundationDecode(JSONValue.self, from: written)
        guard case .object(let object) = parsed, case .string(let url)? = object["url"] else {
            Issue.record("Foundation wrote \(parsed)")
            return
        }
        #expect(url.hasPrefix("https://example.com/a/b"))
        expectDecodesLikeFoundation(Link.self, from: written)
        #expect(try expectDecodesLikeFoundation(URL.self, from: #""https://x.example/a""#).get() == URL(string: "https://x.example/a")!)
        // URL encodes itself as {"relative": …}, but Foundation's JSON coders only take a string.
        #expect(throws: DecodingError.self) { try expectDecodesLikeFoundation(URL.self, from: #"{"relative":"https://x"}"#).get() }
        #expect(throws: DecodingError.self) { try expectDecodesLikeFoundation(URL.self, from: #""""#).get() }
    }

    @Test("Decimal is a number, as Foundation writes it")
    func decimals() throws {
        let money = Money(amount: Decimal(string: "-12.50")!)
        let written = try expectEncodesLikeFoundation(money).get()
        #expect(try foundationDecode(JSONValue.self, from: written) == .object(["amount": .double(-12.5)]))
        #expect(try expectDecodesLikeFoundation(Money.self, from: written).get() == money)
        #expect(try expectDecodesLikeFoundation(Decimal.self, from: "3.14").get() == Decimal(string: "3.14")!)
        expectEncodesLikeFoundation(Decimal(string: "123456789012345678901234567890.5")!)
        // Decimal encodes itself as a keyed container, but Foundation's JSON coders only take a number.
        let keyed = #"{"exponent":0,"length":1,"isNegative":false,"isCompact":true,"mantissa":[5,0,0,0,0,0,0,0]}"#
        #expect(throws: DecodingError.self) { try expectDecodesLikeFoundation(Decimal.self, from: keyed).get() }
    }

    @Test("Float fields, written and read as Foundation does")
    func floats() throws {
        let single = Single(f: 0.1, list: [1.5, 3.4028235e38, -0.0, .leastNonzeroMagnitude, 0.3])
        let written = try expectEncodesLikeFoundation(single).get()
        guard case .object(let object) = try foundationDecode(JSONValue.self, from: written) else {
            Issue.record("not an object: \(show(written))")
            return
        }
        #expect(object["f"] == .double(0.1), "Float 0.1 is written as 0.1: \(show(written))")
        #expect(try expectDecodesLikeFoundation(Single.self, from: written).get() == single)
        expectEncodesLikeFoundation(Float(0.1))
        expectEncodesLikeFoundation(Float.nan)
        #expect(try expectDecodesLikeFoundation(Float.self, from: "0.1").get() == 0.1)
        #expect(throws: DecodingError.self) { try expectDecodesLikeFoundation(Float.self, from: "3.5e38").get() }
        #expect(throws: DecodingError.self) { try expectDecodesLikeFoundation(Float.self, from: "1e-50").get() }
    }

    @Test("a subclass coded through superEncoder() and superDecoder()")
    func superCoders() throws {
        let value = Derived(id: 1, name: "x")
        let written = try expectEncodesLikeFoundation(value).get()
        #expect(try foundationDecode(JSONValue.self, from: written) == .object(["name": .string("x"), "super": .object(["id": .int(1)])]))
        #expect(try expectDecodesLikeFoundation(Derived.self, from: #"{"name":"y","super":{"id":3}}"#).get() == Derived(id: 3, name: "y"))
        #expect(throws: DecodingError.self) { try expectDecodesLikeFoundation(Derived.self, from: #"{"name":"y","id":3}"#).get() }
    }

    @Test("dictionaries with non-string keys")
    func nonStringKeys() throws {
        let written = try expectEncodesLikeFoundation([1: "a", -3: "b"]).get()
        #expect(try foundationDecode(JSONValue.self, from: written) == .object(["1": .string("a"), "-3": .string("b")]))
        #expect(try expectDecodesLikeFoundation([Int: Int].self, from: #"{"1":2,"-3":4}"#).get() == [1: 2, -3: 4])
        #expect(throws: DecodingError.self) { try expectDecodesLikeFoundation([Int: Int].self, from: #"{"1":2,"x":3}"#).get() }
        expectEncodesLikeFoundation([Int8: Int]())
        expectEncodesLikeFoundation([Int8(1): 2])
        expectDecodesLikeFoundation([Int8: Int].self, from: "[1,2]")
    }

    @Test("numbers with a fraction or an exponent, decoded into integers", arguments: [
        ("1.0", 1), ("1e2", 100), ("1E1", 10), ("100e-2", 1), ("0.1e1", 1), ("1.0e0", 1), ("-0", 0), ("-0.0", 0),
        ("1.00000000000000000001", 1), ("2e-324", 0), ("1.5", nil), ("1e19", nil), ("9223372036854775808", nil),
        ("-9223372036854775809", nil), ("9223372036854775807.0", nil), ("12345678901234567890e-10", nil),
        ("9223372036854775807", Int.max), ("-9223372036854775808", Int.min),
    ] as [(String, Int?)])
    func integersFromOtherNumbers(text: String, expected: Int?) {
        let result = expectDecodesLikeFoundation(Int.self, from: text)
        #expect((try? result.get()) == expected, "Foundation decodes \(text) as Int to \(result)")
        let field = expectDecodesLikeFoundation(IntField.self, from: #"{"a":\#(text)}"#)
        #expect((try? field.get())?.a == expected)
    }

    @Test("integers that do not fit their type", arguments: [
        ("256", "UInt8"), ("-1", "UInt8"), ("128", "Int8"), ("-129", "Int8"), ("-1", "UInt64"), ("18446744073709551616", "UInt64"),
        ("65536", "UInt16"), ("2147483648", "Int32"), ("4294967296", "UInt32"), ("-32769", "Int16"),
    ])
    func integerOverflow(text: String, type: String) {
        let failed: Bool = switch type {
        case "UInt8": (try? expectDecodesLikeFoundation(UInt8.self, from: text).get()) == nil
        case "Int8": (try? expectDecodesLikeFoundation(Int8.self, from: text).get()) == nil
        case "UInt16": (try? expectDecodesLikeFoundation(UInt16.self, from: text).get()) == nil
        case "Int16": (try? expectDecodesLikeFoundation(Int16.self, from: text).get()) == nil
        case "Int32": (try? expectDecodesLikeFoundation(Int32.self, from: text).get()) == nil
        case "UInt32": (try? expectDecodesLikeFoundation(UInt32.self, from: text).get()) == nil
        default: (try? expectDecodesLikeFoundation(UInt64.self, from: text).get()) == nil
        }
        #expect(failed, "Foundation refuses \(text) as \(type)")
    }

    @Test("doubles no Double holds, and other numbers at the edges", arguments: [
        ("1e400", nil), ("-1e400", nil), ("1e-400", nil), ("2e-324", nil), ("1.7976931348623159e308", nil),
        ("3e-324", .leastNonzeroMagnitude), ("4.9e-324", .leastNonzeroMagnitude), ("1e-323", 2 * .leastNonzeroMagnitude), ("0e400", 0), ("0.0e-999", 0),
        ("1.7976931348623158e308", .greatestFiniteMagnitude), ("-0", -0.0), ("-0.0e0", -0.0), ("1E+2", 100),
        ("123456789012345678901234567890", 1.2345678901234568e29), ("9007199254740993", 9007199254740992),
        ("0.1", 0.1), ("1.5E-3", 0.0015),
    ] as [(String, Double?)])
    func doubleEdges(text: String, expected: Double?) {
        let result = expectDecodesLikeFoundation(DoubleField.self, from: #"{"a":\#(text)}"#)
        #expect((try? result.get())?.a.bitPattern == expected?.bitPattern, "Foundation decodes \(text) to \(result)")
        let top = expectDecodesLikeFoundation(Double.self, from: Array(text.utf8), same: { $0.bitPattern == $1.bitPattern })
        #expect((try? top.get())?.bitPattern == expected?.bitPattern)
    }

    @Test("malformed numbers", arguments: [
        "01", "-01", "00", "1.", ".5", "+1", "1e", "1e+", "-", "--1", "1.e1", "0x10", "Infinity", "NaN", "1_000",
    ])
    func malformedNumbers(text: String) {
        #expect(throws: DecodingError.self) { try expectDecodesLikeFoundation(Int.self, from: text).get() }
        #expect(throws: DecodingError.self) { try expectDecodesLikeFoundation(DoubleField.self, from: #"{"a":\#(text)}"#).get() }
        #expect(throws: DecodingError.self) { try expectDecodesLikeFoundation([Double].self, from: "[\(text)]").get() }
    }

    @Test("strings Foundation refuses: invalid UTF-8, lone surrogates, bad escapes, raw control characters", arguments: [
        [0x22, 0x61, 0xFF, 0x62, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0x80, 0x22],
        Array(#""\ud800""#.utf8), Array(#""\ud800x""#.utf8), Array(#""\udc00""#.utf8), Array(#""\ud800\u0041""#.utf8),
        Array(#""\uDBFF""#.utf8), Array(#""\x""#.utf8), Array(#""\u12""#.utf8), Array(#""\u004G""#.utf8),
        Array(#""\U0041""#.utf8), Array("\"a\u{1}b\"".utf8), Array("\"a\tb\"".utf8), Array("\"a\nb\"".utf8), Array("\"abc".utf8),
    ] as [[UInt8]])
    func badStrings(bytes: [UInt8]) {
        #expect(throws: DecodingError.self) { try expectDecodesLikeFoundation(String.self, from: bytes).get() }
        let field = Array(#"{"a":"#.utf8) + bytes + Array("}".utf8)
        #expect(throws: DecodingError.self) { try expectDecodesLikeFoundation(StringField.self, from: field).get() }
    }

    @Test("strings Foundation takes, at the edges", arguments: [
        (#""\ud83d\udc07""#, "🐇"), (#""\uD83D\uDC07""#, "🐇"), (#""\uDBFF\uDFFF""#, "\u{10FFFF}"), (#""\u0000""#, "\u{0}"),
        (#""\/""#, "/"), ("\"\u{7F}\"", "\u{7F}"), ("\"\u{2028}\"", "\u{2028}"), (#""\u00e9\u00E9""#, "éé"), (#""\b\f""#, "\u{8}\u{C}"),
    ])
    func edgeStrings(text: String, expected: String) {
        let result = expectDecodesLikeFoundation(String.self, from: text)
        #expect((try? result.get())?.utf8.elementsEqual(expected.utf8) == true, "Foundation decodes \(text) to \(result)")
    }

    @Test("documents Foundation's parser takes or refuses", arguments: [
        (#"{"a":1,}"#, 1), (#"{"a":1 , }"#, 1), (#"{"a":1,"a":2}"#, 1), (#"{"a":1,"a":"x"}"#, 1), (#"{"a":1} "#, 1),
        (#"{"a" : 1 , "b" : [ ] }"#, 1), ("\u{FEFF}{\"a\":1}", 1), (#"{"a":1,"b":[1e400]}"#, 1), (#"{"a":1,"b":"\ud800"}"#, 1),
        (#"{"a":1,"b":01}"#, 1), (#"{"b":{"c":[1,2,],},"a":1}"#, 1), (#"{"\ud800":0,"a":1}"#, nil),
        (#"{"a":"x","a":1}"#, nil), (#"{,}"#, nil), (#"{"a":1,,}"#, nil), (#"{"a":1}}"#, nil), (#"{"a":1}x"#, nil),
        (#"{"a":1"#, nil), (#"{"a" 1}"#, nil), (#"{a:1}"#, nil), (#"{'a':1}"#, nil), ("", nil), ("   ", nil),
        (#"{"a":1,"b":tru}"#, nil), (#"{"a":1,"b":nul}"#, nil), ("{\"a\":1}\u{0}", nil), (#"{"a":1} {"a":2}"#, nil),
        (#"{"a":1,"b":[}"#, nil), (#"/* c */ {"a":1}"#, nil),
    ] as [(String, Int?)])
    func documents(text: String, expected: Int?) {
        let result = expectDecodesLikeFoundation(IntField.self, from: text)
        #expect((try? result.get())?.a == expected, "Foundation decodes \(show(text)) to \(result)")
    }

    @Test("arrays with trailing commas and duplicate keys in dictionaries")
    func collections() {
        #expect((try? expectDecodesLikeFoundation([Int].self, from: "[1,]").get()) == [1])
        #expect((try? expectDecodesLikeFoundation([Int].self, from: "[[1,],[],]").get()) == nil)
        #expect((try? expectDecodesLikeFoundation([[Int]].self, from: "[[1,],[],]").get()) == [[1], []])
        #expect((try? expectDecodesLikeFoundation([Int].self, from: "[,]").get()) == nil)
        #expect((try? expectDecodesLikeFoundation([Int].self, from: "[1,,2]").get()) == nil)
        #expect((try? expectDecodesLikeFoundation([Int].self, from: "[1 2]").get()) == nil)
        #expect((try? expectDecodesLikeFoundation([String: Int].self, from: #"{"a":1,"b":2,"a":3}"#).get()) == ["a": 1, "b": 2])
        #expect((try? expectDecodesLikeFoundation(Leaf.self, from: #"{"n":1,"s":"x","n":"not a number"}"#).get()) == Leaf(n: 1, s: "x"))
    }

    @Test("NaN and infinity cannot be encoded, at the top or nested")
    func nonFiniteDoubles() {
        for value in [Double.nan, .infinity, -.infinity, .signalingNaN] {
            #expect(throws: EncodingError.self) { try expectEncodesLikeFoundation(value).get() }
            #expect(throws: EncodingError.self) { try expectEncodesLikeFoundation(DoubleField(a: value)).get() }
            #expect(throws: EncodingError.self) { try expectEncodesLikeFoundation([1, value]).get() }
            #expect(throws: EncodingError.self) { try expectEncodesLikeFoundation(Reals(d: 1, list: [2, value])).get() }
            #expect(throws: EncodingError.self) { try TaskJSON.encode(["x": [value]]) }
        }
    }

    @Test("a caught decoding error with a default: Foundation's result, whatever the fast path did", arguments: [
        (#"{"x":1.5}"#, 7), (#"{"x":2.0}"#, 2), (#"{"x":1e2}"#, 100), (#"{"x":2}"#, 2), (#"{"x":"s"}"#, 7),
        (#"{"x":null}"#, 7), ("{}", 7), (#"{"x":1e400}"#, 7), (#"{"x":9223372036854775808}"#, 7), (#"{"x":-0.0}"#, 0),
        (#"{"x":[1]}"#, 7), (#"{"x":{}}"#, 7), (#"{"x":01}"#, 7), (#"{"x":"\ud800"}"#, 7),
    ])
    func caughtDecodingErrors(text: String, expected: Int) {
        let result = expectDecodesLikeFoundation(Defaulted.self, from: text)
        #expect((try? result.get())?.x == expected, "Foundation decodes \(text) to \(result)")
    }

    @Test("caught failures to decode Data, URLs and numbers in containers")
    func caughtSpecialErrors() throws {
        #expect(try expectDecodesLikeFoundation(Mixed.self, from: #"["a",1,"AQI=",2.0,"b"]"#).get().items
            == ["string a", "int 1", "data [1, 2]", "int 2", "string b"])
        let special = try expectDecodesLikeFoundation(SpecialDefaults.self, from: #"{"data":"AQI=","url":"https://example.com/x"}"#).get()
        #expect(special == SpecialDefaults(data: Data([1, 2]), url: URL(string: "https://example.com/x")))
        let fallback = try expectDecodesLikeFoundation(SpecialDefaults.self, from: #"{"data":[1,2],"url":{"relative":"https://x"}}"#).get()
        #expect(fallback == SpecialDefaults(data: Data([0xEE]), url: nil))
    }

    @Test("caught encoding failures: Foundation keeps nothing a failed child wrote")
    func caughtEncodingErrors() throws {
        let keyed = try expectEncodesLikeFoundation(Swallowing()).get()
        #expect(try foundationDecode(JSONValue.self, from: keyed)
            == .object(["kept": .int(1), "data": .string("AQI="), "url": .string("https://example.com/a/b"), "float": .double(0.1)]))
        let unkeyed = try expectEncodesLikeFoundation(SwallowingUnkeyed()).get()
        #expect(try foundationDecode(JSONValue.self, from: unkeyed) == .array([.int(1), .string("Aw=="), .int(2)]))
    }

    @Test("errors thrown by the type's own coding code come out of TaskJSON")
    func ownErrors() {
        #expect(throws: Oops.self) { try expectEncodesLikeFoundation(Failing()).get() }
        #expect(throws: Oops.self) { try expectEncodesLikeFoundation([Failing()]).get() }
        #expect(throws: Oops.self) { try TaskJSON.encode(Failing()) }
        #expect(throws: Oops.self) { try TaskJSON.decode(FailingDecode.self, from: Array("{}".utf8)) }
        #expect(FastJSONDecoder.decode(FailingDecode.self, from: Array("{}".utf8)) == nil)
    }

    @Test("a value that encodes nothing: an error at the top level, {} when nested")
    func encodesNothing() throws {
        #expect(throws: EncodingError.self) { try expectEncodesLikeFoundation(Nothing()).get() }
        #expect(throws: EncodingError.self) { try TaskJSON.encode(Nothing()) }
        let nested = try expectEncodesLikeFoundation(HoldsNothing()).get()
        #expect(try foundationDecode(JSONValue.self, from: nested) == .object(["inner": .object([:]), "list": .array([.object([:]), .object([:])])]))
        let keyed = try expectEncodesLikeFoundation(EmptyContainers(keyed: true)).get()
        #expect(try foundationDecode(JSONValue.self, from: keyed) == .object([:]))
        let unkeyed = try expectEncodesLikeFoundation(EmptyContainers(keyed: false)).get()
        #expect(try foundationDecode(JSONValue.self, from: unkeyed) == .array([]))
        #expect(try expectDecodesLikeFoundation(Nothing.self, from: "{}").get() == Nothing())
    }

    @Test("explicit nulls and a top-level nil")
    func explicitNulls() throws {
        let written = try expectEncodesLikeFoundation(ExplicitNulls()).get()
        #expect(try foundationDecode(JSONValue.self, from: written) == .object(["a": .null, "b": .null, "c": .array([.null, .int(1)])]))
        let none = try expectEncodesLikeFoundation(Int?.none).get()
        #expect(try foundationDecode(JSONValue.self, from: none) == .null)
        #expect(try expectDecodesLikeFoundation(Int?.self, from: "null").get() == nil)
        #expect(try expectDecodesLikeFoundation([Int?].self, from: "[null,1]").get() == [nil, 1])
    }

    @Test("the coding path user code sees is Foundation's")
    func codingPaths() throws {
        let probe = PathProbe()
        let holder = PathHolder(a: probe, list: [probe, probe], map: ["k": probe], grid: [[probe]], nested: .init(deep: probe))
        let written = try expectEncodesLikeFoundation(holder).get()
        #expect(try foundationDecode(JSONValue.self, from: written) == .object([
            "a": .string("a"), "list": .array([.string("list/[0]"), .string("list/[1]")]), "map": .object(["k": .string("map/k")]),
            "grid": .array([.array([.string("grid/[0]/[0]")])]), "nested": .object(["deep": .string("nested/deep")]),
        ]))
        let decoded = try expectDecodesLikeFoundation(PathHolder.self, from: written).get()
        #expect(decoded.list.map(\.path) == ["list/[0]", "list/[1]"])
        #expect(decoded.grid.first?.first?.path == "grid/[0]/[0]")
        #expect(decoded.map["k"]?.path == "map/k")
        #expect(decoded.nested.deep.path == "nested/deep")
    }

    @Test("allKeys, contains, count and decodeNil in containers")
    func containerQueries() throws {
        let survey = try expectDecodesLikeFoundation(Survey.self, from: #"{"z":0,"a":[1,null,2,null],"y":{}}"#).get()
        #expect(survey == Survey(keys: ["a", "y", "z"], hasB: false, count: 4, nulls: 2))
        let withB = try expectDecodesLikeFoundation(Survey.self, from: #"{"a":[],"b":null}"#).get()
        #expect(withB == Survey(keys: ["a", "b"], hasB: true, count: 0, nulls: 0))
    }

    @Test("encoding a key twice: Foundation keeps the last value")
    func repeatedKeys() throws {
        let written = try expectEncodesLikeFoundation(RepeatedKeys()).get()
        #expect(try foundationDecode(JSONValue.self, from: written) == .object(["a": .int(2), "b": .string("x")]))
        if let fast = FastJSONEncoder.encode(RepeatedKeys()) {
            let text = String(decoding: fast, as: UTF8.self)
            #expect(text.components(separatedBy: #""a""#).count == 2, "FastJSONEncoder wrote key a more than once: \(show(fast))")
        }
    }

    @Test("a superclass and its subclass encoding into one encoder: one merged object")
    func sharedEncoder() throws {
        let written = try expectEncodesLikeFoundation(SharedChild()).get()
        #expect(try foundationDecode(JSONValue.self, from: written) == .object(["child": .int(2), "parent": .int(1)]))
    }

    @Test("an error a child throws after writing part of itself, swallowed with try?: Foundation keeps none of the child")
    func swallowedOwnErrors() throws {
        let keyed = try expectEncodesLikeFoundation(SwallowsOwnError(keyed: true)).get()
        #expect(try foundationDecode(JSONValue.self, from: keyed) == .object(["kept": .int(1)]))
        let unkeyed = try expectEncodesLikeFoundation(SwallowsOwnError(keyed: false)).get()
        #expect(try foundationDecode(JSONValue.self, from: unkeyed) == .array([.int(1), .int(2)]))
    }

    @Test("a container written to after its sibling was started")
    func interleavedContainers() throws {
        let written = try expectEncodesLikeFoundation(Interleaved()).get()
        #expect(try foundationDecode(JSONValue.self, from: written) == .object(["a": .int(5), "b": .int(2), "c": .object(["a": .int(4)])]))
    }

    @Test("object keys Foundation refuses (lone surrogates), wherever the key is", arguments: [
        #"{"\ud800":0,"a":1}"#, #"{"a":1,"\ud800":0}"#, #"{"a":1,"\udc00x":0}"#, #"{"\ud83d":0,"a":1,"\ud83d\udc07":2}"#,
    ])
    func badKeys(text: String) {
        #expect(throws: DecodingError.self) { try expectDecodesLikeFoundation(IntField.self, from: text).get() }
        #expect(throws: DecodingError.self) { try expectDecodesLikeFoundation([String: Int].self, from: text).get() }
        #expect(throws: DecodingError.self) { try expectDecodesLikeFoundation(JSONValue.self, from: text).get() }
        #expect(throws: DecodingError.self) { try expectDecodesLikeFoundation([IntField].self, from: "[\(text)]").get() }
    }

    @Test("keys that are the same string to Swift but not byte for byte (é and e + U+0301): Foundation takes the first")
    func canonicallyEquivalentKeys() {
        let decomposedFirst = "{\"e\u{301}\":2,\"\u{E9}\":1}"
        let precomposedFirst = "{\"\u{E9}\":1,\"e\u{301}\":2}"
        #expect((try? expectDecodesLikeFoundation(Accented.self, from: decomposedFirst).get()) == Accented(é: 2))
        #expect((try? expectDecodesLikeFoundation(Accented.self, from: precomposedFirst).get()) == Accented(é: 1))
        #expect((try? expectDecodesLikeFoundation(Accented.self, from: "{\"e\u{301}\":3}").get()) == Accented(é: 3))
        #expect((try? expectDecodesLikeFoundation(Accented.self, from: #"{"e\u0301":4}"#).get()) == Accented(é: 4))
        let dictionary = expectDecodesLikeFoundation([String: Int].self, from: precomposedFirst)
        #expect((try? dictionary.get()) == ["\u{E9}": 1], "Foundation decodes \(precomposedFirst) to \(dictionary)")
        expectDecodesLikeFoundation([String: Int].self, from: decomposedFirst)
        expectDecodesLikeFoundation(JSONValue.self, from: decomposedFirst)
    }

    @Test("a repeated key seen through allKeys, where the type catches the error: Foundation's allKeys has it once")
    func repeatedKeysThroughAllKeys() {
        let text = #"{"event":{"started":{},"started":{}}}"#
        let result = expectDecodesLikeFoundation(OptionalEvent.self, from: text)
        #expect((try? result.get()) == OptionalEvent(event: .started), "Foundation decodes \(text) to \(result)")
        #expect((try? expectDecodesLikeFoundation(Event.self, from: #"{"started":{},"started":{}}"#).get()) == .started)
    }

    @Test("an optional key written in another Unicode normalization (NFD) than the type's (NFC): Foundation finds it")
    func optionalKeyInOtherNormalization() {
        #expect((try? expectDecodesLikeFoundation(OptionalAccented.self, from: "{\"e\u{301}\":5}").get()) == OptionalAccented(é: 5))
        #expect((try? expectDecodesLikeFoundation(OptionalAccented.self, from: #"{"e\u0301":6}"#).get()) == OptionalAccented(é: 6))
        #expect((try? expectDecodesLikeFoundation(OptionalAccented.self, from: "{\"\u{E9}\":7}").get()) == OptionalAccented(é: 7))
    }

    @Test("missing keys and type mismatches throw Foundation's DecodingError", arguments: [
        (#"{"name":"x","tags":[],"leaf":{"n":1,"s":""},"color":"red"}"#, "keyNotFound", "keyNotFound(id) at ''"),
        (#"{"id":"1","name":"x","tags":[],"leaf":{"n":1,"s":""},"color":"red"}"#, "typeMismatch", "typeMismatch(Int) at 'id'"),
        (#"{"id":null,"name":"x","tags":[],"leaf":{"n":1,"s":""},"color":"red"}"#, "valueNotFound", "valueNotFound(Int) at 'id'"),
        (#"{"id":true,"name":"x","tags":[],"leaf":{"n":1,"s":""},"color":"red"}"#, "typeMismatch", ""),
        (#"{"id":1.5,"name":"x","tags":[],"leaf":{"n":1,"s":""},"color":"red"}"#, "dataCorrupted", ""),
        (#"{"id":1,"name":2,"tags":[],"leaf":{"n":1,"s":""},"color":"red"}"#, "typeMismatch", "typeMismatch(String) at 'name'"),
        (#"{"id":1,"name":"x","tags":[1],"leaf":{"n":1,"s":""},"color":"red"}"#, "typeMismatch", "typeMismatch(String) at 'tags.[0]'"),
        (#"{"id":1,"name":"x","tags":["a",null],"leaf":{"n":1,"s":""},"color":"red"}"#, "valueNotFound", ""),
        (#"{"id":1,"name":"x","tags":{},"leaf":{"n":1,"s":""},"color":"red"}"#, "typeMismatch", ""),
        (#"{"id":1,"name":"x","tags":[],"leaf":{"n":1},"color":"red"}"#, "keyNotFound", "keyNotFound(s) at 'leaf'"),
        (#"{"id":1,"name":"x","tags":[],"leaf":[],"color":"red"}"#, "typeMismatch", ""),
        (#"{"id":1,"name":"x","tags":[],"leaf":{"n":1,"s":""},"color":"purple"}"#, "dataCorrupted", ""),
        (#"{"id":1,"name":"x","tags":[],"leaf":{"n":1,"s":""},"color":"red","event":{"started":{},"finished":{}}}"#, "typeMismatch", ""),
        (#"{"id":1,"name":"x","tags":[],"leaf":{"n":1,"s":""},"color":"red","event":{"unknown":{}}}"#, "typeMismatch", ""),
        (#"{"id":1,"name":"x","tags":[],"leaf":{"n":1,"s":""},"color":"red","event":{"progress":{"note":"n"}}}"#, "keyNotFound", ""),
        (#"{"id":1,"name":"x","tags":[],"leaf":{"n":1,"s":""},"color":"red","event":"started"}"#, "typeMismatch", ""),
        ("[]", "typeMismatch", "typeMismatch(Dictionary<String, Any>) at ''"),
        ("null", "valueNotFound", ""),
        ("1", "typeMismatch", ""),
        ("{", "dataCorrupted", ""),
    ])
    func decodingErrors(text: String, expectedKind: String, expectedDescription: String) {
        let result = expectDecodesLikeFoundation(Order.self, from: text)
        switch result {
        case .success(let value):
            Issue.record("Foundation decodes \(text) to \(value)")
        case .failure(let error):
            #expect(kind(error) == expectedKind, "\(describe(error))")
            #expect(expectedDescription.isEmpty || describe(error) == expectedDescription, "\(describe(error))")
        }
        #expect(throws: DecodingError.self) { try TaskJSON.decode(Order.self, from: Array(text.utf8)) }
    }

    @Test("wrong top-level shapes", arguments: ["{}", "[1]", #""s""#, "true", "1.5", "null"])
    func wrongShapes(text: String) {
        expectDecodesLikeFoundation([Int].self, from: text)
        expectDecodesLikeFoundation(Int.self, from: text)
        expectDecodesLikeFoundation(String.self, from: text)
        expectDecodesLikeFoundation(Bool.self, from: text)
        expectDecodesLikeFoundation([String: Int].self, from: text)
        expectDecodesLikeFoundation(Leaf.self, from: text)
    }
}

// MARK: - 3. Random documents

@Suite("Task JSON: random documents decode and encode as with Foundation")
struct TaskJSONRandomTests {
    @Test("random JSON documents decode to the same value as with Foundation, and round-trip", arguments: [1, 2, 3] as [UInt64])
    func randomDocuments(seed: UInt64) throws {
        var generator = JSONTextGenerator(seed: seed)
        var decoded = 0
        var failures = 0
        for index in 0..<100 {
            let text = generator.document()
            let bytes = Array(text.utf8)
            let result = expectDecodesLikeFoundation(JSONValue.self, from: bytes, same: ==, exactErrors: false)
            guard case .success(let value) = result else {
                if case .failure(let error) = result, kind(error) != "dataCorrupted" && kind(error) != "typeMismatch" {
                    Issue.record("document \(index) of seed \(seed): unexpected \(describe(error)) for \(show(text))")
                }
                continue
            }
            decoded += 1
            do {
                let written = try TaskJSON.encode(value)
                let back = try foundationDecode(JSONValue.self, from: written)
                let backFast = try TaskJSON.decode(JSONValue.self, from: written)
                let reference = try foundationDecode(JSONValue.self, from: try foundationEncode(value))
                #expect(reference == value, "Foundation's own round trip of \(value) gives \(reference)")
                if back != value || backFast != value {
                    failures += 1
                    Issue.record("document \(index) of seed \(seed): \(value) is written as \(show(written)), read back by Foundation as \(back), by TaskJSON as \(backFast)")
                }
            } catch {
                failures += 1
                Issue.record("document \(index) of seed \(seed): \(value) does not round-trip: \(describe(error))")
            }
            if failures >= 5 { break }
        }
        // Most documents are valid: the test must not pass by refusing everything.
        #expect(decoded >= 80, "only \(decoded) of 100 documents decoded")
    }

    @Test("randomly damaged documents are taken or refused as by Foundation", arguments: [11, 12, 13] as [UInt64])
    func damagedDocuments(seed: UInt64) {
        var generator = JSONTextGenerator(seed: seed)
        let alphabet = Array("{}[],:\"\\0123456789-+.eEtrufalsn /\n".utf8) + [0xFF, 0xC3, 0x80, 0x00, 0x01]
        for _ in 0..<100 {
            var bytes = Array(generator.document().utf8)
            switch generator.rng.int(0...3) {
            case 0 where !bytes.isEmpty:
                bytes[generator.rng.int(0...(bytes.count - 1))] = generator.rng.pick(alphabet)
            case 1 where !bytes.isEmpty:
                bytes.remove(at: generator.rng.int(0...(bytes.count - 1)))
            case 2:
                bytes.insert(generator.rng.pick(alphabet), at: generator.rng.int(0...bytes.count))
            default:
                bytes = Array(bytes.prefix(generator.rng.int(0...bytes.count)))
            }
            expectDecodesLikeFoundation(JSONValue.self, from: bytes, same: ==, exactErrors: false)
        }
    }

    @Test("random values of a fixed shape stay on the fast path")
    func randomShapes() {
        var rng = SplitMix64(state: 42)
        var failures = 0
        for _ in 0..<300 {
            if !expectFastPath(Shape.random(using: &rng)) {
                failures += 1
                if failures >= 3 { break }
            }
        }
    }
}
