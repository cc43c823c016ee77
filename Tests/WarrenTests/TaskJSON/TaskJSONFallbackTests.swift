import FoundationEssentials
@testable import Warren
import Testing

// MARK: - The check

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

/// The same key in two Unicode spellings (é precomposed, then e + U+0301), and the Kelvin sign, which
/// is canonically "K": one key each to Swift, so Foundation keeps one entry with the last value.
private struct RepeatedEquivalentKeys: Encodable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(1, forKey: Key(stringValue: "\u{E9}"))
        try container.encode(2, forKey: Key(stringValue: "e\u{301}"))
        try container.encode(3, forKey: Key(stringValue: "K"))
        try container.encode(4, forKey: Key(stringValue: "\u{212A}"))
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
        // Found by Fuzz/TaskJSON: Foundation refuses some zeros with an exponent and takes others.
        ("0e3", nil), ("-0.0e3", nil), ("-0.0E3", nil), ("0.0e3", 0), ("-0e3", -0.0),
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

    @Test("encoding one key in two Unicode spellings: Foundation keeps one entry, with the last value")
    func repeatedEquivalentKeys() throws {
        let written = try expectEncodesLikeFoundation(RepeatedEquivalentKeys()).get()
        let object = try foundationDecode([String: Int].self, from: written)
        #expect(object.count == 2)
        #expect(object["\u{E9}"] == 2 && object["K"] == 4, "\(object)")
        #expect(FastJSONEncoder.encode(RepeatedEquivalentKeys()) == nil)
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
