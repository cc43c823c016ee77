/// A JSON object being written. `level` is -1 for a container handed out after the fast path was
/// abandoned: every write to it throws.
struct FastKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: FastJSONWriter
    let level: Int
    let id: Int
    let node: CodingPathNode

    var codingPath: [any CodingKey] { node.path }

    /// Writes the separator and `"key":`; the value follows at `level + 1`.
    private func begin(_ key: Key) throws -> Int {
        try writer.beginElement(level: level, id: id)
        let name = key.stringValue
        try writer.recordKey(name, level: level)
        writer.writeKey(name)
        return level + 1
    }

    mutating func encodeNil(forKey key: Key) throws { try writer.writeNull(level: try begin(key)) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try writer.write(value, level: try begin(key)) }
    mutating func encode(_ value: String, forKey key: Key) throws { try writer.write(value, level: try begin(key)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try writer.write(value, level: try begin(key)) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try writer.write(value, level: try begin(key)) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try writer.write(value, level: try begin(key)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try writer.write(value, level: try begin(key)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try writer.write(value, level: try begin(key)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try writer.write(value, level: try begin(key)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try writer.write(value, level: try begin(key)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try writer.write(value, level: try begin(key)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try writer.write(value, level: try begin(key)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try writer.write(value, level: try begin(key)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try writer.write(value, level: try begin(key)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try writer.write(value, level: try begin(key)) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try writer.encode(value, level: try begin(key), node: .key(key, node))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let opened = try? writer.openNested(object: true, at: begin(key))
        return KeyedEncodingContainer(
            FastKeyedEncodingContainer<NestedKey>(writer: writer, level: opened?.level ?? -1, id: opened?.id ?? -1, node: .key(key, node))
        )
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let opened = try? writer.openNested(object: false, at: begin(key))
        return FastUnkeyedEncodingContainer(writer: writer, level: opened?.level ?? -1, id: opened?.id ?? -1, node: .key(key, node))
    }

    mutating func superEncoder() -> any Encoder { writer.deadEncoder() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { writer.deadEncoder() }
}

/// A JSON array being written (`level` -1: see ``FastKeyedEncodingContainer``).
struct FastUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let writer: FastJSONWriter
    let level: Int
    let id: Int
    let node: CodingPathNode
    private(set) var count = 0

    init(writer: FastJSONWriter, level: Int, id: Int, node: CodingPathNode) {
        self.writer = writer
        self.level = level
        self.id = id
        self.node = node
    }

    var codingPath: [any CodingKey] { node.path }

    private mutating func begin() throws -> Int {
        try writer.beginElement(level: level, id: id)
        count += 1
        return level + 1
    }

    mutating func encodeNil() throws { try writer.writeNull(level: try begin()) }
    mutating func encode(_ value: Bool) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: String) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: Double) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: Float) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: Int) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: Int8) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: Int16) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: Int32) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: Int64) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: UInt) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: UInt8) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: UInt16) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: UInt32) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: UInt64) throws { try writer.write(value, level: try begin()) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let elementNode = CodingPathNode.index(count, node)
        try writer.encode(value, level: try begin(), node: elementNode)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let elementNode = CodingPathNode.index(count, node)
        let opened = try? writer.openNested(object: true, at: begin())
        return KeyedEncodingContainer(
            FastKeyedEncodingContainer<NestedKey>(writer: writer, level: opened?.level ?? -1, id: opened?.id ?? -1, node: elementNode)
        )
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let elementNode = CodingPathNode.index(count, node)
        let opened = try? writer.openNested(object: false, at: begin())
        return FastUnkeyedEncodingContainer(writer: writer, level: opened?.level ?? -1, id: opened?.id ?? -1, node: elementNode)
    }

    mutating func superEncoder() -> any Encoder { writer.deadEncoder() }
}

/// One value written whole, once.
struct FastSingleValueEncodingContainer: SingleValueEncodingContainer {
    let encoder: FastEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }

    private var writer: FastJSONWriter { encoder.writer }

    private func begin() throws -> Int {
        try encoder.beginSingleValue()
        return encoder.level
    }

    mutating func encodeNil() throws { try writer.writeNull(level: try begin()) }
    mutating func encode(_ value: Bool) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: String) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: Double) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: Float) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: Int) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: Int8) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: Int16) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: Int32) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: Int64) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: UInt) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: UInt8) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: UInt16) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: UInt32) throws { try writer.write(value, level: try begin()) }
    mutating func encode(_ value: UInt64) throws { try writer.write(value, level: try begin()) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        // The value's own encoder writes at this level (an Optional's wrapped value, a Date's Double).
        try writer.encode(value, level: try begin(), node: encoder.node)
    }
}
