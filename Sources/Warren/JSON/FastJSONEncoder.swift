#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Encodes task bodies straight into bytes, about five times cheaper than Foundation's
/// `JSONEncoder`, for types that encode the usual way: each container filled before the next one
/// is started, as synthesized `Encodable` conformances do.
///
/// The JSON is Foundation's (`JSONEncoder` with `.withoutEscapingSlashes`) up to the order of an
/// object's keys, which here is the order they were encoded in. Anything else gives up and returns
/// nil, and ``TaskJSON`` encodes the value with Foundation: `Data`, `URL` and `Decimal` (Foundation
/// writes them its own way), NaN and infinities, super encoders, a second container from one
/// encoder, a container used after a sibling was started, a top-level value that encodes nothing.
enum FastJSONEncoder {
    static func encode<T: Encodable>(_ value: T) -> [UInt8]? {
        let writer = FastJSONWriter()
        do {
            try writer.encode(value, level: 0, node: .root)
            writer.closeContainers(downTo: 0)
            return writer.abandoned ? nil : writer.bytes
        } catch {
            return nil
        }
    }
}

/// The output and the containers still open, shared by the encoders and containers of one call.
///
/// Containers are written as they are filled; one is closed when its parent gets its next element
/// or the value is done. A container is identified by its position in `open` and an id, so one
/// used after it was closed is noticed. The keys of the open objects are kept (a stack, like the
/// containers) so that a key written twice is noticed: Foundation keeps the last value for it.
///
/// Exclusivity is not checked at run time on its properties (a fifth of the encoder's instructions):
/// one `encode` call uses a writer, on one thread, and no access to a property overlaps another
/// (none calls out to other code while it has one open).
final class FastJSONWriter {
    @exclusivity(unchecked) private(set) var bytes: [UInt8] = []
    @exclusivity(unchecked) private(set) var abandoned = false
    @exclusivity(unchecked) private var open: [(id: Int, closer: UInt8, count: Int, firstKey: Int)] = []
    @exclusivity(unchecked) private var keys: [String] = []
    @exclusivity(unchecked) private var lastID = 0

    init() {
        bytes.reserveCapacity(256)
        open.reserveCapacity(4)
        keys.reserveCapacity(16)
    }

    func abandon() -> FastPathAbandoned {
        abandoned = true
        return FastPathAbandoned()
    }

    func closeContainers(downTo level: Int) {
        while open.count > level {
            let closed = open.removeLast()
            bytes.append(closed.closer)
            keys.removeLast(keys.count - closed.firstKey)
        }
    }

    /// Starts the next element of the container at `level` with id `id`: closes whatever its previous
    /// element left open and writes the separator.
    func beginElement(level: Int, id: Int) throws {
        guard !abandoned, level >= 0, level < open.count, open[level].id == id else { throw abandon() }
        closeContainers(downTo: level + 1)
        if open[level].count > 0 { bytes.append(UInt8(ascii: ",")) }
        open[level].count += 1
    }

    /// Records `key` for the object at `level` (just begun with `beginElement`); throws when the
    /// object has it already.
    func recordKey(_ key: String, level: Int) throws {
        let firstKey = open[level].firstKey
        if firstKey < keys.count {
            for i in firstKey..<keys.count where keys[i] == key {
                throw abandon()
            }
        }
        keys.append(key)
    }

    /// Starts a value where nothing is open above `level` (a container's element after
    /// `beginElement`, or the top level).
    func beginValue(level: Int) throws {
        guard !abandoned, open.count == level else { throw abandon() }
    }

    /// Writes an opening bracket; returns the new container's level and id.
    func openContainer(object: Bool) -> (level: Int, id: Int) {
        bytes.append(object ? UInt8(ascii: "{") : UInt8(ascii: "["))
        lastID += 1
        open.append((lastID, object ? UInt8(ascii: "}") : UInt8(ascii: "]"), 0, keys.count))
        return (open.count - 1, lastID)
    }

    // MARK: Values

    /// Writes `value` at `level`.
    func encode<T: Encodable>(_ value: T, level: Int, node: CodingPathNode) throws {
        // Foundation's JSONEncoder writes these its own way, not through their encode(to:).
        if T.self == Data.self || T.self == URL.self || T.self == Decimal.self { throw abandon() }
        if T.self == String.self { return try write(unsafeBitCast(value, to: String.self), level: level) }
        if T.self == Int.self { return try write(unsafeBitCast(value, to: Int.self), level: level) }
        if T.self == Double.self { return try write(unsafeBitCast(value, to: Double.self), level: level) }
        if T.self == Bool.self { return try write(unsafeBitCast(value, to: Bool.self), level: level) }
        let encoder = FastEncoder(writer: self, level: level, node: node)
        do {
            try value.encode(to: encoder)
        } catch {
            // Foundation drops what a failed value wrote; its parent may catch the error and go on.
            _ = abandon()
            throw error
        }
        if !encoder.wrote {
            // Foundation: an error at the top level, an empty object inside.
            guard level > 0 else { throw abandon() }
            try beginValue(level: level)
            bytes.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")])
        }
    }

    func write(_ string: String, level: Int) throws {
        try beginValue(level: level)
        JSONStringEscapes.appendQuoted(string, to: &bytes)
    }

    func write(_ value: Bool, level: Int) throws {
        try beginValue(level: level)
        bytes.append(contentsOf: value ? [0x74, 0x72, 0x75, 0x65] : [0x66, 0x61, 0x6C, 0x73, 0x65])
    }

    func writeNull(level: Int) throws {
        try beginValue(level: level)
        bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
    }

    func write<T: FixedWidthInteger>(_ value: T, level: Int) throws {
        try beginValue(level: level)
        var magnitude = UInt64(truncatingIfNeeded: value.magnitude)
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        withUnsafeMutableBytes(of: &digits) { buffer in
            var end = buffer.count
            repeat {
                end -= 1
                buffer[end] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: buffer[end...])
        }
    }

    func write(_ value: Double, level: Int) throws {
        guard value.isFinite else { throw abandon() }
        try beginValue(level: level)
        appendNumber(value.description)
    }

    func write(_ value: Float, level: Int) throws {
        guard value.isFinite else { throw abandon() }
        try beginValue(level: level)
        appendNumber(value.description)
    }

    /// A float's description as Foundation writes it: without a trailing ".0".
    private func appendNumber(_ description: String) {
        var utf8 = Substring(description).utf8
        if utf8.count > 2, utf8.last == UInt8(ascii: "0"), utf8.dropLast().last == UInt8(ascii: ".") {
            utf8 = utf8.dropLast(2)
        }
        bytes.append(contentsOf: utf8)
    }
}

extension FastJSONWriter {
    /// Writes a key and the colon after it.
    func writeKey(_ key: String) {
        JSONStringEscapes.appendQuoted(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Opens a nested container as the value of an element just begun at `level`.
    func openNested(object: Bool, at level: Int) throws -> (level: Int, id: Int) {
        try beginValue(level: level)
        return openContainer(object: object)
    }

    /// The encoder handed out where the fast path cannot go on (super encoders): the call is
    /// abandoned, and every write to this encoder throws.
    func deadEncoder() -> any Encoder {
        _ = abandon()
        return FastEncoder(writer: self, level: -1, node: .root)
    }
}

/// The `Encoder` for one value: it may hand out one container (or write one single value).
final class FastEncoder: Encoder {
    let writer: FastJSONWriter
    let level: Int
    let node: CodingPathNode
    /// A container was handed out or a single value written. (Exclusivity unchecked: as for the writer.)
    @exclusivity(unchecked) var wrote = false

    init(writer: FastJSONWriter, level: Int, node: CodingPathNode) {
        self.writer = writer
        self.level = level
        self.node = node
    }

    var codingPath: [any CodingKey] { node.path }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Opens this value's container; nil (and the fast path abandoned) for a second one.
    private func openContainer(object: Bool) -> (level: Int, id: Int)? {
        guard !wrote, (try? writer.beginValue(level: level)) != nil else {
            _ = writer.abandon()
            return nil
        }
        wrote = true
        return writer.openContainer(object: object)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let opened = openContainer(object: true)
        return KeyedEncodingContainer(
            FastKeyedEncodingContainer<Key>(writer: writer, level: opened?.level ?? -1, id: opened?.id ?? -1, node: node)
        )
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let opened = openContainer(object: false)
        return FastUnkeyedEncodingContainer(writer: writer, level: opened?.level ?? -1, id: opened?.id ?? -1, node: node)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        FastSingleValueEncodingContainer(encoder: self)
    }

    /// Before a single value is written: this encoder has written nothing yet.
    func beginSingleValue() throws {
        guard !wrote else { throw writer.abandon() }
        wrote = true
    }
}
