import CRabbitMQ
import Foundation
import Testing
@testable import WarrenAMQP

/// Runs `body` with a fresh rabbitmq-c pool, emptied afterwards.
private func withPropertiesPool<R>(_ body: (UnsafeMutablePointer<amqp_pool_t>) throws -> R) rethrows -> R {
    let pool = UnsafeMutablePointer<amqp_pool_t>.allocate(capacity: 1)
    init_amqp_pool(pool, 4096)
    defer {
        empty_amqp_pool(pool)
        pool.deallocate()
    }
    return try body(pool)
}

/// Swift → C (pool) → wire via `amqp_encode_properties` → C via `amqp_decode_properties` → Swift.
private func wireRoundTrip(_ properties: AMQPProperties) throws -> AMQPProperties {
    try withPropertiesPool { (encodePool) throws in
        var cProperties = try properties.cProperties(in: encodePool)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        return try buffer.withUnsafeMutableBytes { (raw) throws in
            let length = amqp_encode_properties(
                UInt16(AMQP_BASIC_CLASS), &cProperties, amqp_bytes_t(len: raw.count, bytes: raw.baseAddress)
            )
            try #require(length >= 2)
            return try withPropertiesPool { (decodePool) throws in
                var decoded: UnsafeMutableRawPointer?
                let status = amqp_decode_properties(
                    UInt16(AMQP_BASIC_CLASS), decodePool, amqp_bytes_t(len: Int(length), bytes: raw.baseAddress), &decoded
                )
                try #require(status == AMQP_STATUS_OK.rawValue)
                let pointer = try #require(decoded)
                return AMQPProperties(cProperties: pointer.assumingMemoryBound(to: amqp_basic_properties_t.self).pointee)
            }
        }
    }
}

/// Swift → C (pool) → Swift.
private func poolRoundTrip(_ properties: AMQPProperties) throws -> AMQPProperties {
    try withPropertiesPool { (pool) throws in AMQPProperties(cProperties: try properties.cProperties(in: pool)) }
}

/// Properties with every field set.
private let everything = AMQPProperties(
    contentType: "application/json",
    contentEncoding: "gzip",
    headers: [
        "tenant": "acme",
        "attempt": .int32(3),
        "x-death": [["count": .int64(1), "reason": "expired", "routing-keys": ["a"]]],
    ],
    deliveryMode: .persistent,
    priority: 7,
    correlationID: "corr-1",
    replyTo: "amq.rabbitmq.reply-to",
    expiration: "60000",
    messageID: "msg-42",
    timestamp: Date(timeIntervalSince1970: 1_700_000_000),
    type: "order.created",
    userID: "guest",
    appID: "warren-tests",
    clusterID: "cluster-é"
)

/// Reads the bytes of a C `amqp_bytes_t` as a string, for checking fields of the C struct.
private func text(_ bytes: amqp_bytes_t) -> String? {
    guard let start = bytes.bytes else { return bytes.len == 0 ? "" : nil }
    return String(decoding: UnsafeRawBufferPointer(start: start, count: bytes.len), as: UTF8.self)
}

@Suite("Message properties")
struct AMQPPropertiesTests {
    @Test("The default properties have nothing set")
    func defaults() {
        let properties = AMQPProperties()
        #expect(properties.contentType == nil)
        #expect(properties.headers == nil)
        #expect(properties.deliveryMode == nil)
        #expect(properties.priority == nil)
        #expect(properties.timestamp == nil)
        #expect(properties.clusterID == nil)
        #expect(properties == AMQPProperties(headers: nil))
        #expect(properties != AMQPProperties(headers: .empty))
    }

    @Test("Every property set survives Swift → C → Swift")
    func everythingThroughPool() throws {
        #expect(try poolRoundTrip(everything) == everything)
    }

    @Test("Every property set survives the rabbitmq-c wire codec")
    func everythingThroughWire() throws {
        #expect(try wireRoundTrip(everything) == everything)
    }

    @Test("No property set survives both round trips and sets no flag")
    func nothing() throws {
        let none = AMQPProperties()
        #expect(try poolRoundTrip(none) == none)
        #expect(try wireRoundTrip(none) == none)
        try withPropertiesPool { (pool) throws in
            #expect(try none.cProperties(in: pool)._flags == 0)
        }
    }

    @Test("Present-but-empty values stay present")
    func emptyValues() throws {
        let empty = AMQPProperties(contentType: "", headers: .empty, priority: 0, messageID: "")
        let decoded = try wireRoundTrip(empty)
        #expect(decoded == empty)
        #expect(decoded.headers == .empty)
        #expect(decoded.contentType == "")
    }

    @Test("Each property sets its own flag bit and C field")
    func flagsAndFields() throws {
        try withPropertiesPool { (pool) throws in
            let c = try everything.cProperties(in: pool)
            let allFlags = (2...15).reduce(amqp_flags_t(0)) { $0 | (1 << $1) }
            #expect(c._flags == allFlags)
            #expect(text(c.content_type) == "application/json")
            #expect(text(c.content_encoding) == "gzip")
            #expect(c.headers.num_entries == 3)
            #expect(c.delivery_mode == 2)
            #expect(c.priority == 7)
            #expect(text(c.correlation_id) == "corr-1")
            #expect(text(c.reply_to) == "amq.rabbitmq.reply-to")
            #expect(text(c.expiration) == "60000")
            #expect(text(c.message_id) == "msg-42")
            #expect(c.timestamp == 1_700_000_000)
            #expect(text(c.type) == "order.created")
            #expect(text(c.user_id) == "guest")
            #expect(text(c.app_id) == "warren-tests")
            #expect(text(c.cluster_id) == "cluster-é")

            let onlyType = try AMQPProperties(type: "t").cProperties(in: pool)
            #expect(onlyType._flags == amqp_flags_t(AMQP_BASIC_TYPE_FLAG))
            let onlyMode = try AMQPProperties(deliveryMode: .transient).cProperties(in: pool)
            #expect(onlyMode._flags == amqp_flags_t(AMQP_BASIC_DELIVERY_MODE_FLAG))
            #expect(onlyMode.delivery_mode == 1)
        }
    }

    @Test("Only fields whose flag is set are read")
    func onlyFlaggedFieldsAreRead() throws {
        try withPropertiesPool { (pool) throws in
            var c = try everything.cProperties(in: pool)
            c._flags = amqp_flags_t(AMQP_BASIC_CONTENT_TYPE_FLAG) | amqp_flags_t(AMQP_BASIC_PRIORITY_FLAG)
            #expect(AMQPProperties(cProperties: c) == AMQPProperties(contentType: "application/json", priority: 7))
        }
    }

    @Test("Delivery mode 2 decodes as persistent, other values as transient")
    func deliveryModeDecoding() {
        var c = amqp_basic_properties_t()
        c._flags = amqp_flags_t(AMQP_BASIC_DELIVERY_MODE_FLAG)
        c.delivery_mode = 2
        #expect(AMQPProperties(cProperties: c).deliveryMode == .persistent)
        c.delivery_mode = 1
        #expect(AMQPProperties(cProperties: c).deliveryMode == .transient)
        c.delivery_mode = 0
        #expect(AMQPProperties(cProperties: c).deliveryMode == .transient)
    }

    @Test("The timestamp travels in whole seconds")
    func timestampTruncated() throws {
        let properties = AMQPProperties(timestamp: Date(timeIntervalSince1970: 1_700_000_000.75))
        #expect(try wireRoundTrip(properties).timestamp == Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test("A string property over 255 UTF-8 bytes throws invalidArgument")
    func shortStringTooLong() throws {
        try withPropertiesPool { (pool) throws in
            let tooLong = AMQPProperties(messageID: String(repeating: "é", count: 128))
            let error = #expect(throws: AMQPError.self) { _ = try tooLong.cProperties(in: pool) }
            #expect(error?.code == .invalidArgument)

            let badHeaders = AMQPProperties(headers: [String(repeating: "k", count: 300): 1])
            let headerError = #expect(throws: AMQPError.self) { _ = try badHeaders.cProperties(in: pool) }
            #expect(headerError?.code == .invalidArgument)

            let longest = AMQPProperties(messageID: String(repeating: "m", count: 255))
            #expect(try AMQPProperties(cProperties: longest.cProperties(in: pool)) == longest)
        }
    }

    @Test("Expiration from a duration is whole milliseconds, rounded up", arguments: [
        (Duration.seconds(30), "30000"),
        (.milliseconds(1), "1"),
        (.microseconds(1_500), "2"),
        (.nanoseconds(1), "1"),
        (.zero, "0"),
        (.seconds(-5), "0"),
        (.milliseconds(-1) / 2, "0"),
    ])
    func expirationFromDuration(duration: Duration, expected: String) {
        #expect(AMQPProperties.expiration(after: duration) == expected)
    }

    @Test("expirationDuration reads and writes the expiration string")
    func expirationDuration() {
        var properties = AMQPProperties(expiration: "1500")
        #expect(properties.expirationDuration == .milliseconds(1_500))
        properties.expirationDuration = .seconds(2)
        #expect(properties.expiration == "2000")
        properties.expirationDuration = nil
        #expect(properties.expiration == nil)
        #expect(AMQPProperties(expiration: "soon").expirationDuration == nil)
        #expect(AMQPProperties(expiration: "-1").expirationDuration == nil)
    }

    @Test("The encoded-size count is what rabbitmq-c writes, for every field and value kind")
    func encodedSizeBound() throws {
        let valueKinds: [AMQPFieldValue] = [
            .void, .boolean(true), .int8(-1), .uint8(1), .int16(-2), .uint16(2), .int32(-3), .uint32(3), .int64(-4),
            .uint64(4), .float(1.5), .double(2.5), .decimal(AMQPDecimal(scale: 2, value: 12345)), .string("héllo"),
            .bytes([1, 2, 3]), .array([.int32(1), .string("a"), .array([])]), .timestamp(1_700_000_000),
            .table(["nested": .table(["deep": "x"])]),
        ]
        var cases: [AMQPProperties] = [AMQPProperties(), everything, AMQPProperties(headers: ["x-warren-publish-seq": .int64(42)])]
        for (index, value) in valueKinds.enumerated() {
            cases.append(AMQPProperties(headers: AMQPTable(entries: [(key: "k\(index)", value: value)]), messageID: "m"))
        }
        cases.append(AMQPProperties(headers: AMQPTable(entries: valueKinds.enumerated().map { (key: "key-\($0.offset)", value: $0.element) })))
        for properties in cases {
            let encoded = try withPropertiesPool { (pool) throws -> Int in
                var cProperties = try properties.cProperties(in: pool)
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                return buffer.withUnsafeMutableBytes { raw in
                    Int(amqp_encode_properties(UInt16(AMQP_BASIC_CLASS), &cProperties, amqp_bytes_t(len: raw.count, bytes: raw.baseAddress)))
                }
            }
            #expect(encoded > 0)
            #expect(properties.encodedSizeUpperBound == encoded, "\(properties)")
        }
    }

    @Test("The publish sequence header is set in the C table as the Swift subscript sets it", arguments: [
        nil,
        AMQPTable(),
        ["tenant": "acme"],
        AMQPTable(entries: [
            (key: "a", value: .int32(1)), (key: AMQPChannel.publishSequenceHeader, value: .string("old")),
            (key: "b", value: .int32(2)), (key: AMQPChannel.publishSequenceHeader, value: .int64(5)),
        ]),
    ] as [AMQPTable?])
    func sequenceHeader(headers: AMQPTable?) throws {
        var expected = headers ?? [:]
        expected[AMQPChannel.publishSequenceHeader] = .int64(42)
        let table = try withPropertiesPool { (pool) throws -> AMQPTable in
            let cProperties = try AMQPProperties(headers: headers).cProperties(in: pool)
            let base = headers != nil ? cProperties.headers : amqp_empty_table
            return AMQPTable(cTable: try CSequenceHeader.setting(42, in: base, pool: pool))
        }
        #expect(table == expected)
        let withSequence = AMQPProperties(headers: expected)
        #expect(withSequence.encodedSizeUpperBound
            <= AMQPProperties(headers: headers).encodedSizeUpperBound + (headers == nil ? 4 : 0) + CSequenceHeader.encodedSize)
    }
}

