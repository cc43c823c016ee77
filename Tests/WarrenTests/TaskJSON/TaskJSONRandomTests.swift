import FoundationEssentials
@testable import Warren
import Testing
import WarrenTestSupport

// MARK: - A random value of a fixed shape

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
