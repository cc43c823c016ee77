import Foundation
import Testing
@testable import WarrenAMQP

/// AMQPTable, AMQPFieldValue and AMQPDecimal as plain Swift values: order, subscripts, duplicate
/// keys, literals, accessors and descriptions.
@Suite("AMQP table and field values")
struct AMQPTableTests {
    @Test("A dictionary literal keeps its order")
    func literalOrder() {
        let table: AMQPTable = ["zeta": 1, "alpha": 2, "mu": 3]
        #expect(table.keys == ["zeta", "alpha", "mu"])
        #expect(table.map(\.key) == ["zeta", "alpha", "mu"])
        #expect(table.map(\.value) == [.int64(1), .int64(2), .int64(3)])
        #expect(table.count == 3)
        #expect(!table.isEmpty)
        #expect(table[1].key == "alpha")
        #expect(table[1].value == .int64(2))
    }

    @Test("Equality and hashing ignore the order of the keys")
    func unorderedEquality() {
        let forward: AMQPTable = ["a": 1, "b": 2, "c": "three"]
        let backward: AMQPTable = ["c": "three", "b": 2, "a": 1]
        #expect(forward == backward)
        #expect(forward.hashValue == backward.hashValue)
        #expect(Set([forward, backward, ["b": 2, "a": 1, "c": "three"]]).count == 1)
        // The order itself is kept for iteration (and encoding).
        #expect(forward.keys == ["a", "b", "c"])
        #expect(backward.keys == ["c", "b", "a"])
        let forwardValues: [AMQPFieldValue] = forward.map(\.value)
        let backwardValues: [AMQPFieldValue] = backward.map(\.value)
        #expect(forwardValues == [.int64(1), .int64(2), .string("three")])
        #expect(backwardValues == [.string("three"), .int64(2), .int64(1)])
    }

    @Test("Tables with a different value, kind, key or number of keys are not equal")
    func unorderedInequality() {
        let table: AMQPTable = ["a": 1, "b": 2]
        #expect(table != ["b": 3, "a": 1])
        #expect(table != ["b": .int32(2), "a": 1])
        #expect(table != ["a": 1, "c": 2])
        #expect(table != ["a": 1])
        #expect(table != ["b": 2, "a": 1, "c": 3])
        #expect(table != [:])
        #expect(AMQPTable() == [:])
        #expect(Set([table, ["b": 3, "a": 1], ["a": 1, "c": 2], ["a": 1]]).count == 4)
    }

    @Test("Nested tables compare as unordered maps too; arrays stay ordered")
    func nestedUnorderedEquality() {
        let one: AMQPTable = ["outer": .table(["x": 1, "y": .table(["p": true, "q": false])]), "n": 0]
        let two: AMQPTable = ["n": 0, "outer": .table(["y": .table(["q": false, "p": true]), "x": 1])]
        #expect(one == two)
        #expect(one.hashValue == two.hashValue)
        let changed: AMQPTable = ["n": 0, "outer": .table(["y": .table(["q": true, "p": true]), "x": 1])]
        #expect(one != changed)
        let extraKey: AMQPTable = ["n": 0, "outer": .table(["y": .table(["q": false, "p": true, "r": 1]), "x": 1])]
        #expect(one != extraKey)
        let arrays: AMQPTable = ["list": [1, 2]]
        #expect(arrays != ["list": [2, 1]])
    }

    @Test("A repeated key compares with the value the subscript reads (its last)")
    func duplicateKeyEquality() {
        let repeated = AMQPTable(entries: [
            (key: "k", value: .int64(1)),
            (key: "other", value: .int64(0)),
            (key: "k", value: .int64(2)),
        ])
        #expect(repeated == ["other": 0, "k": 2])
        #expect(repeated.hashValue == (["other": 0, "k": 2] as AMQPTable).hashValue)
        #expect(repeated != ["other": 0, "k": 1])
    }

    @Test("Subscript reads, replaces in place, appends and removes")
    func subscriptSetAndRemove() {
        var table: AMQPTable = ["a": 1, "b": 2, "c": 3]
        #expect(table["b"] == .int64(2))
        #expect(table["missing"] == nil)

        table["b"] = "two"
        #expect(table.keys == ["a", "b", "c"])
        #expect(table["b"] == .string("two"))

        table["d"] = true
        #expect(table.keys == ["a", "b", "c", "d"])

        table["a"] = nil
        #expect(table.keys == ["b", "c", "d"])
        #expect(table["a"] == nil)
        #expect(!table.contains(key: "a"))
        #expect(table.contains(key: "c"))

        table["not-there"] = nil
        #expect(table.count == 3)
    }

    @Test("Duplicate keys: read the last, set replaces the first and drops the rest, nil removes all")
    func duplicateKeys() {
        var table = AMQPTable(entries: [
            (key: "k", value: .int64(1)),
            (key: "other", value: .int64(0)),
            (key: "k", value: .int64(2)),
        ])
        #expect(table.count == 3)
        #expect(table.keys == ["k", "other", "k"])
        #expect(table["k"] == .int64(2))

        table["k"] = 3
        #expect(table.keys == ["k", "other"])
        #expect(table["k"] == .int64(3))

        table.append(key: "k", value: 4)
        table.append(key: "k", value: 5)
        #expect(table.count == 4)
        table["k"] = nil
        #expect(table.keys == ["other"])
    }

    @Test("A repeated key in a literal keeps its first position and its last value")
    func duplicateKeysInLiteral() {
        let table: AMQPTable = ["k": 1, "x": 0, "k": 2]
        #expect(table.keys == ["k", "x"])
        #expect(table["k"] == .int64(2))
    }

    @Test("The empty table")
    func emptyTable() {
        #expect(AMQPTable.empty.isEmpty)
        #expect(AMQPTable.empty.count == 0)
        #expect(AMQPTable.empty == AMQPTable())
        #expect(AMQPTable.empty == [:])
        #expect(AMQPTable.empty.description == "[:]")
        #expect(AMQPTable.empty.keys.isEmpty)
    }

    @Test("Literals build the expected field kinds")
    func fieldLiterals() {
        let string: AMQPFieldValue = "text"
        let integer: AMQPFieldValue = 42
        let boolean: AMQPFieldValue = false
        let double: AMQPFieldValue = 1.5
        let array: AMQPFieldValue = [1, "a", true]
        let table: AMQPFieldValue = ["k": 1, "j": "v"]
        #expect(string == .string("text"))
        #expect(integer == .int64(42))
        #expect(boolean == .boolean(false))
        #expect(double == .double(1.5))
        #expect(array == .array([.int64(1), .string("a"), .boolean(true)]))
        #expect(table == .table(AMQPTable(entries: [(key: "k", value: .int64(1)), (key: "j", value: .string("v"))])))
        #expect(table.tableValue?.keys == ["k", "j"])
    }

    @Test("Kinds are part of equality")
    func kindsDiffer() {
        #expect(AMQPFieldValue.int32(1) != .int64(1))
        #expect(AMQPFieldValue.string("a") != .bytes([0x61]))
        #expect(AMQPFieldValue.timestamp(5) != .uint64(5))
    }

    @Test("intValue widens every integer kind", arguments: [
        (AMQPFieldValue.int8(-8), Int64(-8)),
        (.uint8(200), 200),
        (.int16(-300), -300),
        (.uint16(65_535), 65_535),
        (.int32(Int32.min), Int64(Int32.min)),
        (.uint32(UInt32.max), Int64(UInt32.max)),
        (.int64(Int64.min), Int64.min),
        (.uint64(12), 12),
    ])
    func intValueWidens(value: AMQPFieldValue, expected: Int64) {
        #expect(value.intValue == expected)
    }

    @Test("intValue is nil for non-integers and for a uint64 above Int64.max")
    func intValueNil() {
        #expect(AMQPFieldValue.uint64(UInt64.max).intValue == nil)
        #expect(AMQPFieldValue.boolean(true).intValue == nil)
        #expect(AMQPFieldValue.timestamp(10).intValue == nil)
        #expect(AMQPFieldValue.string("1").intValue == nil)
        #expect(AMQPFieldValue.double(1).intValue == nil)
    }

    @Test("The other accessors return their kind only")
    func accessors() {
        #expect(AMQPFieldValue.string("s").stringValue == "s")
        #expect(AMQPFieldValue.bytes([0x73]).stringValue == nil)
        #expect(AMQPFieldValue.bytes([1, 2]).bytesValue == [1, 2])
        #expect(AMQPFieldValue.string("ab").bytesValue == [0x61, 0x62])
        #expect(AMQPFieldValue.int64(1).stringValue == nil)
        #expect(AMQPFieldValue.boolean(true).boolValue == true)
        #expect(AMQPFieldValue.int8(1).boolValue == nil)
        #expect(AMQPFieldValue.double(2.5).doubleValue == 2.5)
        #expect(AMQPFieldValue.float(0.25).doubleValue == 0.25)
        #expect(AMQPFieldValue.decimal(AMQPDecimal(scale: 2, value: 150)).doubleValue == 1.5)
        #expect(AMQPFieldValue.int64(2).doubleValue == nil)
        #expect(AMQPFieldValue.array([1]).arrayValue == [.int64(1)])
        #expect(AMQPFieldValue.table(["a": 1]).tableValue == ["a": 1])
        #expect(AMQPFieldValue.array([]).tableValue == nil)
        #expect(AMQPFieldValue.table([:]).arrayValue == nil)
        #expect(AMQPFieldValue.void.isVoid)
        #expect(!AMQPFieldValue.int8(0).isVoid)
        #expect(AMQPFieldValue.timestamp(7).timestampValue == 7)
    }

    @Test("Timestamps convert to and from Date in whole seconds")
    func timestampDates() {
        let value = AMQPFieldValue.timestamp(1_700_000_000)
        #expect(value.dateValue == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(AMQPFieldValue.int64(1).dateValue == nil)
        #expect(AMQPFieldValue.timestamp(from: Date(timeIntervalSince1970: 1_700_000_000.9)) == value)
        #expect(AMQPFieldValue.timestamp(from: Date(timeIntervalSince1970: -5)) == .timestamp(0))
    }

    @Test("Descriptions read like literals")
    func descriptions() {
        let table: AMQPTable = ["name": "x", "n": 1, "list": [true, 2.5], "inner": ["k": .void]]
        #expect(table.description == #"["name": "x", "n": 1, "list": [true, 2.5], "inner": ["k": void]]"#)
        #expect(AMQPFieldValue.bytes([0x0a, 0xff]).description == "<0a ff>")
        #expect(AMQPFieldValue.timestamp(3).description == "timestamp(3)")
        #expect(AMQPFieldValue.decimal(AMQPDecimal(scale: 2, value: 1234)).description == "12.34")
    }

    @Test("Decimal descriptions pad small values")
    func decimalDescription() {
        #expect(AMQPDecimal(scale: 2, value: 5).description == "0.05")
        #expect(AMQPDecimal(scale: 3, value: 1000).description == "1.000")
        #expect(AMQPDecimal(scale: 0, value: 77).description == "77")
        #expect(AMQPDecimal(scale: 1, value: 10) != AMQPDecimal(scale: 0, value: 1))
    }
}
