import CRabbitMQ
import Foundation
import Testing
@testable import WarrenAMQP

/// Runs `body` with a fresh rabbitmq-c pool, emptied afterwards.
private func withTablePool<R>(_ body: (UnsafeMutablePointer<amqp_pool_t>) throws -> R) rethrows -> R {
    let pool = UnsafeMutablePointer<amqp_pool_t>.allocate(capacity: 1)
    init_amqp_pool(pool, 4096)
    defer {
        empty_amqp_pool(pool)
        pool.deallocate()
    }
    return try body(pool)
}

/// Decodes AMQP wire bytes with `amqp_decode_table` into a second pool and copies the result out.
private func decodeWire(_ wire: [UInt8]) throws -> AMQPTable {
    var wire = wire
    return try wire.withUnsafeMutableBytes { raw in
        try withTablePool { (pool) throws in
            var decoded = amqp_table_t()
            var offset = 0
            let status = amqp_decode_table(amqp_bytes_t(len: raw.count, bytes: raw.baseAddress), pool, &decoded, &offset)
            try #require(status == AMQP_STATUS_OK.rawValue)
            #expect(offset == raw.count)
            return AMQPTable(cTable: decoded)
        }
    }
}

/// Encodes `table` through the Swift→C encoder and rabbitmq-c's `amqp_encode_table`.
private func encodeWire(_ table: AMQPTable) throws -> [UInt8] {
    try withTablePool { (pool) throws in
        var cTable = try table.cTable(in: pool)
        var buffer = [UInt8](repeating: 0, count: 1 << 22)
        let length = try buffer.withUnsafeMutableBytes { raw in
            var offset = 0
            let status = amqp_encode_table(amqp_bytes_t(len: raw.count, bytes: raw.baseAddress), &cTable, &offset)
            try #require(status == AMQP_STATUS_OK.rawValue)
            return offset
        }
        return Array(buffer.prefix(length))
    }
}

/// Swift → C (pool) → wire bytes → C (another pool) → Swift.
private func wireRoundTrip(_ table: AMQPTable) throws -> AMQPTable {
    try decodeWire(try encodeWire(table))
}

/// Swift → C (pool) → Swift, without the wire codec.
private func poolRoundTrip(_ table: AMQPTable) throws -> AMQPTable {
    try withTablePool { pool in AMQPTable(cTable: try table.cTable(in: pool)) }
}

/// One value of every field kind rabbitmq-c 0.11 knows.
private let everyKind: AMQPTable = [
    "boolean-true": .boolean(true),
    "boolean-false": .boolean(false),
    "int8": .int8(Int8.min),
    "uint8": .uint8(UInt8.max),
    "int16": .int16(Int16.min),
    "uint16": .uint16(UInt16.max),
    "int32": .int32(Int32.min),
    "uint32": .uint32(UInt32.max),
    "int64": .int64(Int64.min),
    "uint64": .uint64(UInt64.max),
    "float": .float(-1.25),
    "float-infinity": .float(.infinity),
    "double": .double(3.141592653589793),
    "decimal": .decimal(AMQPDecimal(scale: 3, value: 123_456)),
    "string": .string("grüße, 世界 🐇"),
    "empty-string": .string(""),
    "bytes": .bytes([0x00, 0xff, 0x80, 0x7f]),
    "empty-bytes": .bytes([]),
    "array": .array([.int8(1), .string("two"), .void, .boolean(false)]),
    "empty-array": .array([]),
    "timestamp": .timestamp(1_700_000_000),
    "table": .table(["inner": .uint16(7)]),
    "empty-table": .table([:]),
    "void": .void,
]

/// The `x-death` header RabbitMQ adds to a dead-lettered message.
private let xDeathHeaders: AMQPTable = [
    "x-death": [
        [
            "count": .int64(2),
            "reason": "rejected",
            "queue": "orders",
            "time": .timestamp(1_700_000_123),
            "exchange": "",
            "routing-keys": ["orders", "orders.eu"],
        ],
        [
            "count": .int64(1),
            "reason": "expired",
            "queue": "orders.retry",
            "time": .timestamp(1_700_000_100),
            "exchange": "retry",
            "routing-keys": ["orders"],
            "original-expiration": "5000",
        ],
    ],
    "x-first-death-exchange": "",
    "x-first-death-queue": "orders.retry",
    "x-first-death-reason": "expired",
]

@Suite("Field tables through rabbitmq-c")
struct CTableEncodingTests {
    @Test("Every field kind survives Swift → C → Swift")
    func everyKindThroughPool() throws {
        #expect(try poolRoundTrip(everyKind) == everyKind)
    }

    @Test("Every field kind survives the rabbitmq-c wire codec")
    func everyKindThroughWire() throws {
        let decoded = try wireRoundTrip(everyKind)
        #expect(decoded == everyKind)
        #expect(decoded.keys == everyKind.keys)
    }

    @Test("Each field kind alone survives the wire codec", arguments: everyKind.map(\.value))
    func singleKindThroughWire(value: AMQPFieldValue) throws {
        let table: AMQPTable = ["v": value]
        #expect(try wireRoundTrip(table) == table)
    }

    @Test("NaN survives the wire codec as NaN")
    func nanThroughWire() throws {
        let decoded = try wireRoundTrip(["f": .float(.nan), "d": .double(.nan)])
        guard case .float(let float)? = decoded["f"], case .double(let double)? = decoded["d"] else {
            Issue.record("wrong kinds: \(decoded)")
            return
        }
        #expect(float.isNaN)
        #expect(double.isNaN)
    }

    @Test("Tables inside arrays inside tables survive the wire codec")
    func nesting() throws {
        let table: AMQPTable = [
            "level1": [
                "list": [
                    ["name": "a", "deeper": [["x": 1], [:], [.int16(-2), .void]]],
                    ["name": "b", "flag": true],
                    [],
                ],
            ],
            "after": "end",
        ]
        #expect(try wireRoundTrip(table) == table)
        #expect(try poolRoundTrip(table) == table)
    }

    @Test("An x-death header survives the wire codec")
    func xDeath() throws {
        let decoded = try wireRoundTrip(xDeathHeaders)
        #expect(decoded == xDeathHeaders)
        let deaths = try #require(decoded["x-death"]?.arrayValue)
        #expect(deaths.count == 2)
        let first = try #require(deaths.first?.tableValue)
        #expect(first["count"]?.intValue == 2)
        #expect(first["reason"]?.stringValue == "rejected")
        #expect(first["time"]?.dateValue == Date(timeIntervalSince1970: 1_700_000_123))
        #expect(first["routing-keys"]?.arrayValue?.compactMap(\.stringValue) == ["orders", "orders.eu"])
    }

    @Test("Entry order is kept on the wire")
    func orderOnTheWire() throws {
        let keys = (0..<50).map { "key-\((37 * $0) % 50)" }
        let table = AMQPTable(entries: keys.map { (key: $0, value: AMQPFieldValue.string($0)) })
        let decoded = try wireRoundTrip(table)
        #expect(decoded.keys == keys)
        #expect(decoded == table)
    }

    @Test("Duplicate keys are carried as they are")
    func duplicatesOnTheWire() throws {
        let table = AMQPTable(entries: [(key: "k", value: .int64(1)), (key: "k", value: .int64(2))])
        let decoded = try wireRoundTrip(table)
        #expect(decoded.count == 2)
        #expect(decoded["k"] == .int64(2))
    }

    @Test("Encoded bytes match the AMQP wire format")
    func wireFormat() throws {
        #expect(try encodeWire(["a": .int8(1)]) == [0, 0, 0, 4, 1, 0x61, 0x62, 0x01])
        #expect(try encodeWire(["s": "hi"]) == [0, 0, 0, 9, 1, 0x73, 0x53, 0, 0, 0, 2, 0x68, 0x69])
        #expect(try encodeWire(["x": .bytes([0xfe])]) == [0, 0, 0, 8, 1, 0x78, 0x78, 0, 0, 0, 1, 0xfe])
        #expect(try encodeWire([:]) == [0, 0, 0, 0])
    }

    @Test("A long string that is not valid UTF-8 decodes as bytes")
    func invalidUTF8FromWire() throws {
        // table size 9: key "k", kind 'S', length 2, bytes ff fe
        let wire: [UInt8] = [0, 0, 0, 9, 1, 0x6b, 0x53, 0, 0, 0, 2, 0xff, 0xfe]
        let decoded = try decodeWire(wire)
        #expect(decoded["k"] == .bytes([0xff, 0xfe]))
    }

    @Test("A valid UTF-8 long string decodes as a string")
    func validUTF8FromWire() throws {
        let wire: [UInt8] = [0, 0, 0, 9, 1, 0x6b, 0x53, 0, 0, 0, 2, 0xc3, 0xa9]
        #expect(try decodeWire(wire)["k"] == .string("é"))
    }

    @Test("An invalid UTF-8 'S' value built in C decodes as bytes")
    func invalidUTF8FromCStruct() throws {
        try withTablePool { (pool) throws in
            var field = try AMQPFieldValue.bytes([0xc3, 0x28]).cFieldValue(in: pool)
            field.kind = UInt8(AMQP_FIELD_KIND_UTF8.rawValue)
            #expect(AMQPFieldValue(cFieldValue: field) == .bytes([0xc3, 0x28]))
        }
    }

    @Test("Field kinds are written with rabbitmq-c's kind bytes")
    func kindBytes() throws {
        let expected: [(AMQPFieldValue, Character)] = [
            (.boolean(true), "t"), (.int8(0), "b"), (.uint8(0), "B"), (.int16(0), "s"), (.uint16(0), "u"),
            (.int32(0), "I"), (.uint32(0), "i"), (.int64(0), "l"), (.uint64(0), "L"), (.float(0), "f"),
            (.double(0), "d"), (.decimal(AMQPDecimal(scale: 0, value: 0)), "D"), (.string(""), "S"),
            (.bytes([]), "x"), (.array([]), "A"), (.timestamp(0), "T"), (.table([:]), "F"), (.void, "V"),
        ]
        try withTablePool { (pool) throws in
            for (value, kind) in expected {
                let field = try value.cFieldValue(in: pool)
                #expect(field.kind == kind.asciiValue, "\(value)")
            }
        }
    }

    @Test("An unknown kind from C decodes as void")
    func unknownKind() {
        var field = amqp_field_value_t()
        field.kind = UInt8(ascii: "?")
        #expect(AMQPFieldValue(cFieldValue: field) == .void)
    }

    @Test("A key longer than 255 UTF-8 bytes throws invalidArgument")
    func keyTooLong() throws {
        try withTablePool { (pool) throws in
            let ascii = AMQPTable(entries: [(key: String(repeating: "k", count: 256), value: .void)])
            let error = #expect(throws: AMQPError.self) { _ = try ascii.cTable(in: pool) }
            #expect(error?.code == .invalidArgument)

            // 128 × "é" is 128 characters but 256 UTF-8 bytes.
            let multibyte: AMQPTable = [String(repeating: "é", count: 128): 1]
            let nestedError = #expect(throws: AMQPError.self) {
                let nested: AMQPTable = ["outer": [.table(multibyte)]]
                _ = try nested.cTable(in: pool)
            }
            #expect(nestedError?.code == .invalidArgument)

            let longest = AMQPTable(entries: [(key: String(repeating: "k", count: 255), value: .void)])
            #expect(try AMQPTable(cTable: longest.cTable(in: pool)) == longest)
        }
    }

    @Test("Tables larger than a pool page survive the wire codec")
    func largeTable() throws {
        let big = String(repeating: "0123456789", count: 500)  // 5,000 bytes: more than a 4,096-byte pool page
        var table = AMQPTable()
        for index in 0..<600 {
            let nested: AMQPFieldValue = [.int64(Int64(index)), ["i": .int32(Int32(index))]]
            table.append(key: "entry-\(index)", value: index % 3 == 0 ? .string(big) : nested)
        }
        #expect(try wireRoundTrip(table) == table)
    }

    @Test("Arrays and single values bridge on their own")
    func arraysAndValues() throws {
        try withTablePool { (pool) throws in
            let values: [AMQPFieldValue] = [1, "a", [2, ["k": .void]], .timestamp(9)]
            #expect([AMQPFieldValue](cArray: try values.cArray(in: pool)) == values)
            #expect([AMQPFieldValue](cArray: try [AMQPFieldValue]().cArray(in: pool)).isEmpty)
            let value: AMQPFieldValue = ["nested": [1.5, false]]
            #expect(AMQPFieldValue(cFieldValue: try value.cFieldValue(in: pool)) == value)
        }
    }

    @Test("The empty table encodes as amqp_empty_table")
    func emptyTable() throws {
        try withTablePool { (pool) throws in
            let cTable = try AMQPTable.empty.cTable(in: pool)
            #expect(cTable.num_entries == 0)
            #expect(cTable.entries == nil)
            #expect(AMQPTable(cTable: amqp_empty_table) == .empty)
        }
    }
}
