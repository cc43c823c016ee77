/// A JSON object read by key.
struct FastKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let state: FastDecodingState
    let object: Int
    let node: CodingPathNode

    var codingPath: [any CodingKey] { node.path }

    var allKeys: [Key] {
        state.names(in: object).compactMap { Key(stringValue: $0) }
    }

    func contains(_ key: Key) -> Bool {
        state.find(key.stringValue, in: object) != nil
    }

    private func value(_ key: Key) throws -> Int {
        guard let index = state.find(key.stringValue, in: object) else { throw state.abandon() }
        return index
    }

    /// The value's index, or nil when the key is missing or null.
    private func presentValue(_ key: Key) -> Int? {
        guard let index = state.find(key.stringValue, in: object), !state.isNull(at: index) else { return nil }
        return index
    }

    func decodeNil(forKey key: Key) throws -> Bool { state.isNull(at: try value(key)) }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try state.decodeBool(at: try value(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try state.decodeString(at: try value(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try state.decodeDouble(at: try value(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { throw state.abandon() }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try state.decodeInteger(type, at: try value(key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try state.decodeInteger(type, at: try value(key)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try state.decodeInteger(type, at: try value(key)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try state.decodeInteger(type, at: try value(key)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try state.decodeInteger(type, at: try value(key)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try state.decodeInteger(type, at: try value(key)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try state.decodeInteger(type, at: try value(key)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try state.decodeInteger(type, at: try value(key)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try state.decodeInteger(type, at: try value(key)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try state.decodeInteger(type, at: try value(key)) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try state.decode(type, at: try value(key), node: .key(key, node))
    }

    // One lookup instead of the default contains + decodeNil + decode.
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        try presentValue(key).map { try state.decodeBool(at: $0) }
    }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        try presentValue(key).map { try state.decodeString(at: $0) }
    }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        try presentValue(key).map { try state.decodeDouble(at: $0) }
    }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        try presentValue(key).map { try state.decodeInteger(type, at: $0) }
    }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try presentValue(key).map { try state.decode(type, at: $0, node: .key(key, node)) }
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try FastDecoder(state: state, index: try value(key), node: .key(key, node)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try FastDecoder(state: state, index: try value(key), node: .key(key, node)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { throw state.abandon() }
    func superDecoder(forKey key: Key) throws -> any Decoder { throw state.abandon() }
}

/// A JSON array read in order.
struct FastUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let state: FastDecodingState
    let node: CodingPathNode
    let total: Int
    /// The token of the element at `currentIndex`.
    private var position: Int
    private(set) var currentIndex = 0

    init(state: FastDecodingState, array: Int, node: CodingPathNode) {
        self.state = state
        self.node = node
        self.total = Int(state.json[array].count)
        self.position = array + 1
    }

    var codingPath: [any CodingKey] { node.path }
    var count: Int? { total }
    var isAtEnd: Bool { currentIndex >= total }

    /// The current element's token, moving past it.
    private mutating func next() throws -> Int {
        guard currentIndex < total else { throw state.abandon() }
        let index = position
        position = Int(state.json[index].next)
        currentIndex += 1
        return index
    }

    mutating func decodeNil() throws -> Bool {
        guard currentIndex < total else { throw state.abandon() }
        guard state.isNull(at: position) else { return false }
        _ = try next()
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try state.decodeBool(at: try next()) }
    mutating func decode(_ type: String.Type) throws -> String { try state.decodeString(at: try next()) }
    mutating func decode(_ type: Double.Type) throws -> Double { try state.decodeDouble(at: try next()) }
    mutating func decode(_ type: Float.Type) throws -> Float { throw state.abandon() }
    mutating func decode(_ type: Int.Type) throws -> Int { try state.decodeInteger(type, at: try next()) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try state.decodeInteger(type, at: try next()) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try state.decodeInteger(type, at: try next()) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try state.decodeInteger(type, at: try next()) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try state.decodeInteger(type, at: try next()) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try state.decodeInteger(type, at: try next()) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try state.decodeInteger(type, at: try next()) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try state.decodeInteger(type, at: try next()) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try state.decodeInteger(type, at: try next()) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try state.decodeInteger(type, at: try next()) }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let elementNode = CodingPathNode.index(currentIndex, node)
        return try state.decode(type, at: try next(), node: elementNode)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let elementNode = CodingPathNode.index(currentIndex, node)
        return try FastDecoder(state: state, index: try next(), node: elementNode).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let elementNode = CodingPathNode.index(currentIndex, node)
        return try FastDecoder(state: state, index: try next(), node: elementNode).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { throw state.abandon() }
}

/// One JSON value read whole.
struct FastSingleValueDecodingContainer: SingleValueDecodingContainer {
    let state: FastDecodingState
    let index: Int
    let node: CodingPathNode

    var codingPath: [any CodingKey] { node.path }

    func decodeNil() -> Bool { state.isNull(at: index) }
    func decode(_ type: Bool.Type) throws -> Bool { try state.decodeBool(at: index) }
    func decode(_ type: String.Type) throws -> String { try state.decodeString(at: index) }
    func decode(_ type: Double.Type) throws -> Double { try state.decodeDouble(at: index) }
    func decode(_ type: Float.Type) throws -> Float { throw state.abandon() }
    func decode(_ type: Int.Type) throws -> Int { try state.decodeInteger(type, at: index) }
    func decode(_ type: Int8.Type) throws -> Int8 { try state.decodeInteger(type, at: index) }
    func decode(_ type: Int16.Type) throws -> Int16 { try state.decodeInteger(type, at: index) }
    func decode(_ type: Int32.Type) throws -> Int32 { try state.decodeInteger(type, at: index) }
    func decode(_ type: Int64.Type) throws -> Int64 { try state.decodeInteger(type, at: index) }
    func decode(_ type: UInt.Type) throws -> UInt { try state.decodeInteger(type, at: index) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try state.decodeInteger(type, at: index) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try state.decodeInteger(type, at: index) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try state.decodeInteger(type, at: index) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try state.decodeInteger(type, at: index) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try state.decode(type, at: index, node: node) }
}
