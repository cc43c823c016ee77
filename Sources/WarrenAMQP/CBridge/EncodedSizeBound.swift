/// The bytes rabbitmq-c writes for properties, tables and field values, counted without encoding
/// them, so a publish whose properties surely fit in the smallest frame skips the trial encoding
/// (`IODriver.checkPropertiesFit`). The counts are exact (every length prefix and type tag; strings
/// by their UTF-8 bytes, as rabbitmq-c writes them); the code relies only on their not being
/// lower, hence the name.
extension AMQPProperties {
    /// At most this many bytes in a content header's property list.
    var encodedSizeUpperBound: Int {
        // Flags (2); delivery mode (1), priority (1), timestamp (8) when set; each short string 1 + its bytes.
        var size = 2
        if deliveryMode != nil { size += 1 }
        if priority != nil { size += 1 }
        if timestamp != nil { size += 8 }
        size += Self.shortStringSize(contentType) + Self.shortStringSize(contentEncoding)
        size += Self.shortStringSize(correlationID) + Self.shortStringSize(replyTo) + Self.shortStringSize(expiration)
        size += Self.shortStringSize(messageID) + Self.shortStringSize(type) + Self.shortStringSize(userID)
        size += Self.shortStringSize(appID) + Self.shortStringSize(clusterID)
        if let headers { size += headers.encodedSizeUpperBound }
        return size
    }

    private static func shortStringSize(_ value: String?) -> Int {
        guard let value else { return 0 }
        return 1 + value.utf8.count
    }
}

extension AMQPTable {
    /// At most this many bytes for the table, its 4-byte length included.
    var encodedSizeUpperBound: Int {
        var size = 4
        for index in indices {
            size += 1 + self[index].key.utf8.count + self[index].value.encodedSizeUpperBound
        }
        return size
    }
}

extension AMQPFieldValue {
    /// At most this many bytes for the value, its type tag included.
    var encodedSizeUpperBound: Int {
        switch self {
        case .void: 1
        case .boolean, .int8, .uint8: 2
        case .int16, .uint16: 3
        case .int32, .uint32, .float: 5
        case .decimal: 6
        case .int64, .uint64, .double, .timestamp: 9
        case .string(let value): 5 + value.utf8.count
        case .bytes(let value): 5 + value.count
        case .array(let values): 5 + values.reduce(0) { $0 + $1.encodedSizeUpperBound }
        case .table(let table): 1 + table.encodedSizeUpperBound
        }
    }
}
