import FoundationEssentials
@testable import Warren
import Testing
import WarrenTestSupport

// The fast JSON coders must agree with Foundation's `JSONEncoder` / `JSONDecoder`: plain types stay on the
// fast path, everything else falls back, and `TaskJSON` always gives Foundation's result (value or error).
// JSON is compared by meaning, never byte for byte: Foundation's key order is not fixed.

// MARK: - The check

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

private struct Flags: Codable, Equatable {
    var yes: Bool
    var no: Bool
    var list: [Bool]
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

private struct Events: Codable, Equatable {
    var events: [Event]
    var last: Event
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
