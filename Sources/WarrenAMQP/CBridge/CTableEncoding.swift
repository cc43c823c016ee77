import CRabbitMQ

// Bridges AMQPTable, [AMQPFieldValue] and AMQPFieldValue to rabbitmq-c's amqp_table_t, amqp_array_t
// and amqp_field_value_t. Encoding allocates everything (entries, keys, strings, nested arrays and
// tables) in a caller-supplied amqp_pool_t, which the caller empties after the C call that consumes
// the table has returned. Decoding copies everything into Swift values, so the C memory may be
// released right after.

/// The `amqp_field_value_t.kind` bytes. rabbitmq-c's `AMQP_FIELD_KIND_*` constants import with a
/// `UInt32` raw value while the struct field is a `UInt8`.
enum CFieldKind {
    static let boolean = UInt8(AMQP_FIELD_KIND_BOOLEAN.rawValue)
    static let int8 = UInt8(AMQP_FIELD_KIND_I8.rawValue)
    static let uint8 = UInt8(AMQP_FIELD_KIND_U8.rawValue)
    static let int16 = UInt8(AMQP_FIELD_KIND_I16.rawValue)
    static let uint16 = UInt8(AMQP_FIELD_KIND_U16.rawValue)
    static let int32 = UInt8(AMQP_FIELD_KIND_I32.rawValue)
    static let uint32 = UInt8(AMQP_FIELD_KIND_U32.rawValue)
    static let int64 = UInt8(AMQP_FIELD_KIND_I64.rawValue)
    static let uint64 = UInt8(AMQP_FIELD_KIND_U64.rawValue)
    static let float = UInt8(AMQP_FIELD_KIND_F32.rawValue)
    static let double = UInt8(AMQP_FIELD_KIND_F64.rawValue)
    static let decimal = UInt8(AMQP_FIELD_KIND_DECIMAL.rawValue)
    static let utf8 = UInt8(AMQP_FIELD_KIND_UTF8.rawValue)
    static let array = UInt8(AMQP_FIELD_KIND_ARRAY.rawValue)
    static let timestamp = UInt8(AMQP_FIELD_KIND_TIMESTAMP.rawValue)
    static let table = UInt8(AMQP_FIELD_KIND_TABLE.rawValue)
    static let void = UInt8(AMQP_FIELD_KIND_VOID.rawValue)
    static let bytes = UInt8(AMQP_FIELD_KIND_BYTES.rawValue)
}

/// Copies between Swift values and `amqp_bytes_t` / pool memory.
enum CPoolMemory {
    /// Copies `bytes` into memory allocated from `pool`. An empty collection gives an empty
    /// `amqp_bytes_t` (length 0, no pointer) without allocating.
    static func copy(
        _ bytes: some Collection<UInt8>,
        into pool: UnsafeMutablePointer<amqp_pool_t>
    ) throws(AMQPError) -> amqp_bytes_t {
        let count = bytes.count
        guard count > 0 else { return amqp_bytes_t(len: 0, bytes: nil) }
        guard let raw = amqp_pool_alloc(pool, count) else {
            throw exhausted(count)
        }
        UnsafeMutableRawBufferPointer(start: raw, count: count).copyBytes(from: bytes)
        return amqp_bytes_t(len: count, bytes: raw)
    }

    /// Allocates uninitialized room for `count` values of `type` from `pool`; `nil` when `count`
    /// is 0.
    static func allocate<T>(
        _ type: T.Type,
        count: Int,
        in pool: UnsafeMutablePointer<amqp_pool_t>
    ) throws(AMQPError) -> UnsafeMutablePointer<T>? {
        guard count > 0 else { return nil }
        let (size, overflow) = MemoryLayout<T>.stride.multipliedReportingOverflow(by: count)
        guard !overflow else {
            throw AMQPError(.invalidArgument, "A field table or array with \(count) entries is too large.")
        }
        guard let raw = amqp_pool_alloc(pool, size) else {
            throw exhausted(size)
        }
        return raw.bindMemory(to: type, capacity: count)
    }

    /// A copy of the bytes `bytes` points at.
    static func array(_ bytes: amqp_bytes_t) -> [UInt8] {
        guard bytes.len > 0, let start = bytes.bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: start, count: bytes.len))
    }

    /// The bytes decoded as UTF-8, invalid sequences replaced by U+FFFD.
    static func lossyString(_ bytes: amqp_bytes_t) -> String {
        guard bytes.len > 0, let start = bytes.bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: start, count: bytes.len), as: UTF8.self)
    }

    /// The bytes decoded as UTF-8, or `nil` when they are not valid UTF-8.
    static func validString(_ bytes: amqp_bytes_t) -> String? {
        String(validating: array(bytes), as: UTF8.self)
    }

    private static func exhausted(_ size: Int) -> AMQPError {
        AMQPError(.resourceExhausted, "rabbitmq-c could not allocate \(size) bytes from a memory pool.")
    }
}

extension AMQPTable {
    /// The longest key AMQP allows, in UTF-8 bytes (keys are short strings).
    static let maximumKeyLength = 255

    /// Encodes the table as an `amqp_table_t` whose memory all lives in `pool`.
    ///
    /// - Throws: `.invalidArgument` if a key is longer than 255 UTF-8 bytes or a string longer than
    ///   4 GiB; `.resourceExhausted` if the pool cannot allocate.
    func cTable(in pool: UnsafeMutablePointer<amqp_pool_t>) throws(AMQPError) -> amqp_table_t {
        guard let count = Int32(exactly: self.count) else {
            throw AMQPError(.invalidArgument, "A field table with \(self.count) entries is too large.")
        }
        guard let entries = try CPoolMemory.allocate(amqp_table_entry_t.self, count: self.count, in: pool)
        else { return amqp_empty_table }
        for (offset, element) in enumerated() {
            let keyBytes = element.key.utf8
            guard keyBytes.count <= AMQPTable.maximumKeyLength else {
                throw AMQPError(
                    .invalidArgument,
                    "The field table key \"\(element.key.prefix(40))…\" is \(keyBytes.count) bytes long in "
                        + "UTF-8; AMQP table keys hold at most \(AMQPTable.maximumKeyLength)."
                )
            }
            let key = try CPoolMemory.copy(keyBytes, into: pool)
            let value = try element.value.cFieldValue(in: pool)
            (entries + offset).initialize(to: amqp_table_entry_t(key: key, value: value))
        }
        return amqp_table_t(num_entries: count, entries: entries)
    }

    /// Copies a table decoded by rabbitmq-c into Swift values, in order. Keys that are not valid
    /// UTF-8 are repaired with U+FFFD.
    init(cTable: amqp_table_t) {
        self.init()
        guard cTable.num_entries > 0, let entries = cTable.entries else { return }
        for index in 0..<Int(cTable.num_entries) {
            let entry = entries[index]
            append(key: CPoolMemory.lossyString(entry.key), value: AMQPFieldValue(cFieldValue: entry.value))
        }
    }
}

extension Array where Element == AMQPFieldValue {
    /// Encodes the values as an `amqp_array_t` whose memory all lives in `pool`.
    ///
    /// - Throws: as ``AMQPTable/cTable(in:)``.
    func cArray(in pool: UnsafeMutablePointer<amqp_pool_t>) throws(AMQPError) -> amqp_array_t {
        guard let count = Int32(exactly: self.count) else {
            throw AMQPError(.invalidArgument, "A field array with \(self.count) entries is too large.")
        }
        guard let entries = try CPoolMemory.allocate(amqp_field_value_t.self, count: self.count, in: pool)
        else { return amqp_empty_array }
        for (offset, element) in enumerated() {
            (entries + offset).initialize(to: try element.cFieldValue(in: pool))
        }
        return amqp_array_t(num_entries: count, entries: entries)
    }

    /// Copies an array decoded by rabbitmq-c into Swift values, in order.
    init(cArray: amqp_array_t) {
        self.init()
        guard cArray.num_entries > 0, let entries = cArray.entries else { return }
        reserveCapacity(Int(cArray.num_entries))
        for index in 0..<Int(cArray.num_entries) {
            append(AMQPFieldValue(cFieldValue: entries[index]))
        }
    }
}

extension AMQPFieldValue {
    /// The longest long string or byte string AMQP can carry (a 32-bit length).
    static let maximumLongStringLength = Int(UInt32.max)

    /// Encodes the value as an `amqp_field_value_t`; strings, bytes, arrays and tables are copied
    /// into `pool`.
    ///
    /// - Throws: as ``AMQPTable/cTable(in:)``.
    func cFieldValue(in pool: UnsafeMutablePointer<amqp_pool_t>) throws(AMQPError) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        switch self {
        case .boolean(let value):
            field.kind = CFieldKind.boolean
            field.value.boolean = value ? 1 : 0
        case .int8(let value):
            field.kind = CFieldKind.int8
            field.value.i8 = value
        case .uint8(let value):
            field.kind = CFieldKind.uint8
            field.value.u8 = value
        case .int16(let value):
            field.kind = CFieldKind.int16
            field.value.i16 = value
        case .uint16(let value):
            field.kind = CFieldKind.uint16
            field.value.u16 = value
        case .int32(let value):
            field.kind = CFieldKind.int32
            field.value.i32 = value
        case .uint32(let value):
            field.kind = CFieldKind.uint32
            field.value.u32 = value
        case .int64(let value):
            field.kind = CFieldKind.int64
            field.value.i64 = value
        case .uint64(let value):
            field.kind = CFieldKind.uint64
            field.value.u64 = value
        case .float(let value):
            field.kind = CFieldKind.float
            field.value.f32 = value
        case .double(let value):
            field.kind = CFieldKind.double
            field.value.f64 = value
        case .decimal(let value):
            field.kind = CFieldKind.decimal
            field.value.decimal = amqp_decimal_t(decimals: value.scale, value: value.value)
        case .string(let value):
            field.kind = CFieldKind.utf8
            field.value.bytes = try AMQPFieldValue.longString(value.utf8, in: pool)
        case .bytes(let value):
            field.kind = CFieldKind.bytes
            field.value.bytes = try AMQPFieldValue.longString(value, in: pool)
        case .array(let values):
            field.kind = CFieldKind.array
            field.value.array = try values.cArray(in: pool)
        case .timestamp(let value):
            field.kind = CFieldKind.timestamp
            field.value.u64 = value
        case .table(let table):
            field.kind = CFieldKind.table
            field.value.table = try table.cTable(in: pool)
        case .void:
            field.kind = CFieldKind.void
        }
        return field
    }

    /// Copies a value decoded by rabbitmq-c into Swift. A long string (`S`) whose bytes are not
    /// valid UTF-8 becomes ``bytes(_:)``; an unknown kind (which rabbitmq-c's decoder rejects)
    /// becomes ``void``.
    init(cFieldValue field: amqp_field_value_t) {
        switch field.kind {
        case CFieldKind.boolean: self = .boolean(field.value.boolean != 0)
        case CFieldKind.int8: self = .int8(field.value.i8)
        case CFieldKind.uint8: self = .uint8(field.value.u8)
        case CFieldKind.int16: self = .int16(field.value.i16)
        case CFieldKind.uint16: self = .uint16(field.value.u16)
        case CFieldKind.int32: self = .int32(field.value.i32)
        case CFieldKind.uint32: self = .uint32(field.value.u32)
        case CFieldKind.int64: self = .int64(field.value.i64)
        case CFieldKind.uint64: self = .uint64(field.value.u64)
        case CFieldKind.float: self = .float(field.value.f32)
        case CFieldKind.double: self = .double(field.value.f64)
        case CFieldKind.decimal:
            self = .decimal(AMQPDecimal(scale: field.value.decimal.decimals, value: field.value.decimal.value))
        case CFieldKind.utf8:
            if let string = CPoolMemory.validString(field.value.bytes) {
                self = .string(string)
            } else {
                self = .bytes(CPoolMemory.array(field.value.bytes))
            }
        case CFieldKind.bytes: self = .bytes(CPoolMemory.array(field.value.bytes))
        case CFieldKind.array: self = .array([AMQPFieldValue](cArray: field.value.array))
        case CFieldKind.timestamp: self = .timestamp(field.value.u64)
        case CFieldKind.table: self = .table(AMQPTable(cTable: field.value.table))
        default: self = .void
        }
    }

    /// Copies a long string or byte string into `pool`, checking its length fits in 32 bits.
    private static func longString(
        _ bytes: some Collection<UInt8>,
        in pool: UnsafeMutablePointer<amqp_pool_t>
    ) throws(AMQPError) -> amqp_bytes_t {
        guard bytes.count <= maximumLongStringLength else {
            throw AMQPError(
                .invalidArgument,
                "A field value of \(bytes.count) bytes is longer than AMQP's limit of \(maximumLongStringLength)."
            )
        }
        return try CPoolMemory.copy(bytes, into: pool)
    }
}
