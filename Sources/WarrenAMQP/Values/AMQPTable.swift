/// An AMQP field table: an ordered list of string keys and ``AMQPFieldValue`` values, as used for
/// message headers and for queue, exchange, binding and consumer arguments.
///
/// A table keeps its entries in order: iteration, ``keys``, ``description`` and the wire encoding
/// all follow it. Equality and hashing, however, treat the table as what AMQP says it is, an
/// unordered map from keys to values: `["a": 1, "b": 2] == ["b": 2, "a": 1]`, because brokers are
/// free to reorder a table (RabbitMQ 4.0 and later hand message headers back sorted by key). Two
/// tables are equal when they have the same keys and, for every key, the same value as the
/// subscript reads it (nested tables compare the same way; field arrays stay ordered). Compare
/// `Array(table)` or ``keys`` to check the order itself. Build one with a dictionary literal and read
/// it by key:
///
/// ```swift
/// var headers: AMQPTable = ["tenant": "acme", "attempt": 1]
/// headers["attempt"] = 2          // replaces in place
/// headers["tenant"] = nil         // removes
/// for (key, value) in headers { print(key, value) }
/// ```
///
/// A table received from the broker may hold the same key more than once. Reading a key returns
/// its last value; setting a key replaces the first occurrence in place and drops the others;
/// setting `nil` removes every occurrence. A dictionary literal is applied entry by entry through the
/// subscript, so for a repeated key the last value wins. Equality sees only that last value:
/// `AMQPTable(entries: [("k", 1), ("k", 2)]) == ["k": 2]`, although the two encode differently.
public struct AMQPTable: Sendable, Hashable {
    /// One stored key and value.
    struct Entry: Sendable, Hashable {
        var key: String
        var value: AMQPFieldValue
    }

    /// The entries, in wire order.
    private var storage: [Entry]

    /// The empty table.
    public static let empty = AMQPTable()

    /// Creates an empty table.
    public init() {
        storage = []
    }

    /// Creates a table holding `entries` exactly as given, in order, duplicate keys included.
    public init(entries: some Sequence<(key: String, value: AMQPFieldValue)>) {
        storage = entries.map { Entry(key: $0.key, value: $0.value) }
    }

    /// The keys, in order (a repeated key appears as often as it occurs).
    public var keys: [String] {
        storage.map(\.key)
    }

    /// The value for `key` (the last one if the key occurs more than once), or `nil`.
    ///
    /// Setting a value replaces the first occurrence in place and removes any later ones, or appends
    /// a new entry at the end; setting `nil` removes every entry with that key.
    public subscript(key: String) -> AMQPFieldValue? {
        get {
            storage.last(where: { $0.key == key })?.value
        }
        set {
            guard let newValue else {
                storage.removeAll(where: { $0.key == key })
                return
            }
            guard let first = storage.firstIndex(where: { $0.key == key }) else {
                storage.append(Entry(key: key, value: newValue))
                return
            }
            storage[first].value = newValue
            var index = storage.index(after: first)
            while index < storage.endIndex {
                if storage[index].key == key {
                    storage.remove(at: index)
                } else {
                    index += 1
                }
            }
        }
    }

    /// Appends an entry at the end without looking for an existing entry with the same key.
    public mutating func append(key: String, value: AMQPFieldValue) {
        storage.append(Entry(key: key, value: value))
    }

    /// Whether the table has an entry for `key`.
    public func contains(key: String) -> Bool {
        storage.contains(where: { $0.key == key })
    }
}

extension AMQPTable {
    /// Whether both tables map the same keys to the same values, in any order (see the type's
    /// documentation; a repeated key counts with its last value).
    public static func == (lhs: AMQPTable, rhs: AMQPTable) -> Bool {
        if lhs.storage == rhs.storage { return true }
        let left = lhs.effectiveEntries()
        let right = rhs.effectiveEntries()
        guard left.count == right.count else { return false }
        for (key, value) in left {
            guard let other = right[key], other == value else { return false }
        }
        return true
    }

    /// Hashes the keys and values without regard to their order, consistently with ``==(_:_:)``.
    public func hash(into hasher: inout Hasher) {
        let entries = effectiveEntries()
        var combined: UInt = 0
        for (key, value) in entries {
            var entryHasher = Hasher()
            entryHasher.combine(key)
            entryHasher.combine(value)
            combined ^= UInt(bitPattern: entryHasher.finalize())
        }
        hasher.combine(entries.count)
        hasher.combine(combined)
    }

    /// Every key once, with the value the subscript reads for it (the last occurrence).
    private func effectiveEntries() -> [String: AMQPFieldValue] {
        var entries: [String: AMQPFieldValue] = [:]
        entries.reserveCapacity(storage.count)
        for entry in storage { entries[entry.key] = entry.value }
        return entries
    }
}

extension AMQPTable: RandomAccessCollection {
    /// A key and its value.
    public typealias Element = (key: String, value: AMQPFieldValue)
    /// Positions are offsets from the first entry.
    public typealias Index = Int

    /// The position of the first entry (always 0).
    public var startIndex: Int { storage.startIndex }
    /// The position after the last entry (the number of entries).
    public var endIndex: Int { storage.endIndex }

    /// The entry at `position`.
    public subscript(position: Int) -> (key: String, value: AMQPFieldValue) {
        let entry = storage[position]
        return (key: entry.key, value: entry.value)
    }
}

extension AMQPTable: ExpressibleByDictionaryLiteral {
    /// Creates a table from a dictionary literal, keeping the literal's order. A repeated key keeps
    /// its first position and its last value.
    public init(dictionaryLiteral elements: (String, AMQPFieldValue)...) {
        self.init()
        for (key, value) in elements { self[key] = value }
    }
}

extension AMQPTable: CustomStringConvertible {
    /// The entries in order in dictionary-literal form, e.g. `["tenant": "acme", "attempt": 1]`;
    /// `[:]` when empty.
    public var description: String {
        guard !storage.isEmpty else { return "[:]" }
        let rendered = storage.map { String(reflecting: $0.key) + ": " + $0.value.description }
        return "[" + rendered.joined(separator: ", ") + "]"
    }
}
