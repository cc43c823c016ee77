#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One value in an AMQP field table or field array: message headers, queue and exchange arguments,
/// consumer arguments, client properties.
///
/// Every kind rabbitmq-c 0.11 encodes and decodes has a case. Literals build the common kinds:
///
/// ```swift
/// let arguments: AMQPTable = [
///     "x-queue-type": "quorum",          // .string
///     "x-max-length": 10_000,            // .int64
///     "x-single-active-consumer": true,  // .boolean
///     "x-ratio": 0.5,                    // .double
///     "tags": ["a", "b"],                // .array
///     "nested": ["k": 1],                // .table
/// ]
/// ```
///
/// Equality and hashing compare the kind as well as the value: `.int32(1) != .int64(1)`. Use
/// ``intValue`` to compare integers of any width.
public enum AMQPFieldValue: Sendable, Hashable {
    /// A boolean (`t`).
    case boolean(Bool)
    /// A signed 8-bit integer (`b`).
    case int8(Int8)
    /// An unsigned 8-bit integer (`B`).
    case uint8(UInt8)
    /// A signed 16-bit integer (`s`).
    case int16(Int16)
    /// An unsigned 16-bit integer (`u`).
    case uint16(UInt16)
    /// A signed 32-bit integer (`I`).
    case int32(Int32)
    /// An unsigned 32-bit integer (`i`).
    case uint32(UInt32)
    /// A signed 64-bit integer (`l`).
    case int64(Int64)
    /// An unsigned 64-bit integer (`L`).
    case uint64(UInt64)
    /// A single-precision float (`f`).
    case float(Float)
    /// A double-precision float (`d`).
    case double(Double)
    /// A decimal (`D`).
    case decimal(AMQPDecimal)
    /// A UTF-8 long string (`S`). A long string received with bytes that are not valid UTF-8 is
    /// decoded as ``bytes(_:)`` instead.
    case string(String)
    /// An uninterpreted byte string (`x`).
    case bytes([UInt8])
    /// A field array (`A`): values of any kinds, in order.
    case array([AMQPFieldValue])
    /// A timestamp (`T`): whole seconds since 1970-01-01 00:00:00 UTC. See ``dateValue`` and
    /// ``timestamp(from:)``.
    case timestamp(UInt64)
    /// A nested field table (`F`).
    case table(AMQPTable)
    /// No value (`V`).
    case void
}

extension AMQPFieldValue {
    /// A ``timestamp(_:)`` value for a date, truncated to whole seconds. Dates before 1970 (and
    /// non-finite dates) become 0.
    public static func timestamp(from date: Date) -> AMQPFieldValue {
        .timestamp(AMQPFieldValue.wholeSeconds(since1970: date.timeIntervalSince1970))
    }

    /// Converts a `timeIntervalSince1970` into whole seconds, clamped to the range of `UInt64`.
    static func wholeSeconds(since1970 interval: Double) -> UInt64 {
        guard interval.isFinite, interval > 0 else { return 0 }
        guard interval < 18_446_744_073_709_551_616.0 else { return UInt64.max }
        return UInt64(interval.rounded(.down))
    }

    /// The string of a ``string(_:)`` value; `nil` for every other kind (including ``bytes(_:)``).
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The bytes of a ``bytes(_:)`` value, or the UTF-8 bytes of a ``string(_:)`` value; `nil` for
    /// every other kind.
    public var bytesValue: [UInt8]? {
        switch self {
        case .bytes(let value): return value
        case .string(let value): return Array(value.utf8)
        default: return nil
        }
    }

    /// The value of any integer kind widened to `Int64`; `nil` for other kinds, and for a
    /// ``uint64(_:)`` above `Int64.max`. Booleans and timestamps are not integers here.
    public var intValue: Int64? {
        switch self {
        case .int8(let value): return Int64(value)
        case .uint8(let value): return Int64(value)
        case .int16(let value): return Int64(value)
        case .uint16(let value): return Int64(value)
        case .int32(let value): return Int64(value)
        case .uint32(let value): return Int64(value)
        case .int64(let value): return value
        case .uint64(let value): return Int64(exactly: value)
        default: return nil
        }
    }

    /// The value of a ``float(_:)``, ``double(_:)`` or ``decimal(_:)`` as a `Double`; `nil` for
    /// other kinds.
    public var doubleValue: Double? {
        switch self {
        case .float(let value): return Double(value)
        case .double(let value): return value
        case .decimal(let value): return value.doubleValue
        default: return nil
        }
    }

    /// The value of a ``boolean(_:)``; `nil` for other kinds.
    public var boolValue: Bool? {
        if case .boolean(let value) = self { return value }
        return nil
    }

    /// The table of a ``table(_:)`` value; `nil` for other kinds.
    public var tableValue: AMQPTable? {
        if case .table(let value) = self { return value }
        return nil
    }

    /// The elements of an ``array(_:)`` value; `nil` for other kinds.
    public var arrayValue: [AMQPFieldValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The seconds of a ``timestamp(_:)`` value; `nil` for other kinds.
    public var timestampValue: UInt64? {
        if case .timestamp(let value) = self { return value }
        return nil
    }

    /// The date of a ``timestamp(_:)`` value; `nil` for other kinds.
    public var dateValue: Date? {
        if case .timestamp(let value) = self { return Date(timeIntervalSince1970: Double(value)) }
        return nil
    }

    /// Whether this is ``void``.
    public var isVoid: Bool {
        if case .void = self { return true }
        return false
    }
}

extension AMQPFieldValue: ExpressibleByStringLiteral {
    /// Creates a ``string(_:)`` value from a string literal.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension AMQPFieldValue: ExpressibleByIntegerLiteral {
    /// Creates an ``int64(_:)`` value from an integer literal.
    public init(integerLiteral value: Int64) {
        self = .int64(value)
    }
}

extension AMQPFieldValue: ExpressibleByBooleanLiteral {
    /// Creates a ``boolean(_:)`` value from `true` or `false`.
    public init(booleanLiteral value: Bool) {
        self = .boolean(value)
    }
}

extension AMQPFieldValue: ExpressibleByFloatLiteral {
    /// Creates a ``double(_:)`` value from a floating-point literal.
    public init(floatLiteral value: Double) {
        self = .double(value)
    }
}

extension AMQPFieldValue: ExpressibleByArrayLiteral {
    /// Creates an ``array(_:)`` value from an array literal.
    public init(arrayLiteral elements: AMQPFieldValue...) {
        self = .array(elements)
    }
}

extension AMQPFieldValue: ExpressibleByDictionaryLiteral {
    /// Creates a ``table(_:)`` value from a dictionary literal, keeping the literal's order.
    public init(dictionaryLiteral elements: (String, AMQPFieldValue)...) {
        var table = AMQPTable()
        for (key, value) in elements { table[key] = value }
        self = .table(table)
    }
}

extension AMQPFieldValue: CustomStringConvertible {
    /// A compact, literal-like rendering: numbers and booleans plainly, strings quoted, bytes in
    /// hex, arrays and tables in brackets, e.g. `["count": 1, "tags": ["a"]]`.
    public var description: String {
        switch self {
        case .boolean(let value): return String(value)
        case .int8(let value): return String(value)
        case .uint8(let value): return String(value)
        case .int16(let value): return String(value)
        case .uint16(let value): return String(value)
        case .int32(let value): return String(value)
        case .uint32(let value): return String(value)
        case .int64(let value): return String(value)
        case .uint64(let value): return String(value)
        case .float(let value): return String(value)
        case .double(let value): return String(value)
        case .decimal(let value): return value.description
        case .string(let value): return String(reflecting: value)
        case .bytes(let value): return AMQPFieldValue.hexDescription(value)
        case .array(let values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .timestamp(let value): return "timestamp(\(value))"
        case .table(let table): return table.description
        case .void: return "void"
        }
    }

    /// Hex rendering of a byte string, shortened after 32 bytes: `<0a ff 00>`.
    private static func hexDescription(_ bytes: [UInt8]) -> String {
        let limit = 32
        let shown = bytes.prefix(limit).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }
        let suffix = bytes.count > limit ? " … (\(bytes.count) bytes)" : ""
        return "<" + shown.joined(separator: " ") + suffix + ">"
    }
}
