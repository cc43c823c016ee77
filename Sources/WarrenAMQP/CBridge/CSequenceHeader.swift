import CRabbitMQ

/// Puts `x-warren-publish-seq` (``AMQPChannel/publishSequenceHeader``) into a publish's C header
/// table, which the properties' conversion has already built in the pool: the same table a Swift
/// `headers[publishSequenceHeader] = .int64(sequence)` would give (the first entry of that name
/// takes the value, later ones go, or it is appended), without copying the headers in Swift first.
enum CSequenceHeader {
    /// What the entry adds to the encoded properties at most: key length and bytes, type tag, int64.
    static let encodedSize = 1 + AMQPChannel.publishSequenceHeader.utf8.count + 9

    /// `table` (from `pool`) with the sequence entry set.
    static func setting(
        _ sequence: UInt64,
        in table: amqp_table_t,
        pool: UnsafeMutablePointer<amqp_pool_t>
    ) throws(AMQPError) -> amqp_table_t {
        let count = Int(table.num_entries)
        guard let entries = try CPoolMemory.allocate(amqp_table_entry_t.self, count: count + 1, in: pool) else {
            return table  // not reached: count + 1 > 0
        }
        var value = amqp_field_value_t()
        value.kind = CFieldKind.int64
        value.value.i64 = Int64(bitPattern: sequence)
        var written = 0
        var found = false
        if count > 0, let existing = table.entries {
            for index in 0..<count {
                var entry = existing[index]
                if isSequenceKey(entry.key) {
                    guard !found else { continue }
                    found = true
                    entry.value = value
                }
                (entries + written).initialize(to: entry)
                written += 1
            }
        }
        if !found {
            let key = try CPoolMemory.copy(AMQPChannel.publishSequenceHeader.utf8, into: pool)
            (entries + written).initialize(to: amqp_table_entry_t(key: key, value: value))
            written += 1
        }
        return amqp_table_t(num_entries: Int32(written), entries: entries)
    }

    private static func isSequenceKey(_ key: amqp_bytes_t) -> Bool {
        let name = AMQPChannel.publishSequenceHeader.utf8
        guard key.len == name.count, let bytes = key.bytes else { return false }
        return UnsafeRawBufferPointer(start: bytes, count: key.len).elementsEqual(name)
    }
}
