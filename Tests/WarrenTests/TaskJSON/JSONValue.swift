import Testing

/// Any JSON value, decoded by trying nil, Bool, Int, Double, String, array, object in that order.
/// Equality is strict: doubles by bit pattern, strings by their UTF-8 (not canonical equivalence).
enum JSONValue: Codable, Equatable, CustomStringConvertible {
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
func expectSameJSON(
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
