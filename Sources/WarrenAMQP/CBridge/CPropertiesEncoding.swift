#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CRabbitMQ

// Bridges AMQPProperties to rabbitmq-c's amqp_basic_properties_t. Encoding sets one
// AMQP_BASIC_*_FLAG bit per present property and copies strings and headers into a caller-supplied
// pool; decoding copies out only the properties whose flag is set.

/// The `_flags` bits of `amqp_basic_properties_t` (the C macros import as `Int32`).
enum CBasicFlag {
    static let contentType = amqp_flags_t(AMQP_BASIC_CONTENT_TYPE_FLAG)
    static let contentEncoding = amqp_flags_t(AMQP_BASIC_CONTENT_ENCODING_FLAG)
    static let headers = amqp_flags_t(AMQP_BASIC_HEADERS_FLAG)
    static let deliveryMode = amqp_flags_t(AMQP_BASIC_DELIVERY_MODE_FLAG)
    static let priority = amqp_flags_t(AMQP_BASIC_PRIORITY_FLAG)
    static let correlationID = amqp_flags_t(AMQP_BASIC_CORRELATION_ID_FLAG)
    static let replyTo = amqp_flags_t(AMQP_BASIC_REPLY_TO_FLAG)
    static let expiration = amqp_flags_t(AMQP_BASIC_EXPIRATION_FLAG)
    static let messageID = amqp_flags_t(AMQP_BASIC_MESSAGE_ID_FLAG)
    static let timestamp = amqp_flags_t(AMQP_BASIC_TIMESTAMP_FLAG)
    static let type = amqp_flags_t(AMQP_BASIC_TYPE_FLAG)
    static let userID = amqp_flags_t(AMQP_BASIC_USER_ID_FLAG)
    static let appID = amqp_flags_t(AMQP_BASIC_APP_ID_FLAG)
    static let clusterID = amqp_flags_t(AMQP_BASIC_CLUSTER_ID_FLAG)
}

extension AMQPProperties {
    /// Encodes the properties as an `amqp_basic_properties_t`, with a flag bit for each present
    /// property and strings and headers copied into `pool`.
    ///
    /// - Throws: `.invalidArgument` if a string property is longer than 255 UTF-8 bytes (AMQP short
    ///   strings) or the headers are invalid (see ``AMQPTable/cTable(in:)``); `.resourceExhausted`
    ///   if the pool cannot allocate.
    func cProperties(in pool: UnsafeMutablePointer<amqp_pool_t>) throws(AMQPError) -> amqp_basic_properties_t {
        var properties = amqp_basic_properties_t()
        var flags: amqp_flags_t = 0
        if let contentType {
            properties.content_type = try Self.shortString(contentType, "content-type", pool)
            flags |= CBasicFlag.contentType
        }
        if let contentEncoding {
            properties.content_encoding = try Self.shortString(contentEncoding, "content-encoding", pool)
            flags |= CBasicFlag.contentEncoding
        }
        if let headers {
            properties.headers = try headers.cTable(in: pool)
            flags |= CBasicFlag.headers
        }
        if let deliveryMode {
            properties.delivery_mode = deliveryMode.rawValue
            flags |= CBasicFlag.deliveryMode
        }
        if let priority {
            properties.priority = priority
            flags |= CBasicFlag.priority
        }
        if let correlationID {
            properties.correlation_id = try Self.shortString(correlationID, "correlation-id", pool)
            flags |= CBasicFlag.correlationID
        }
        if let replyTo {
            properties.reply_to = try Self.shortString(replyTo, "reply-to", pool)
            flags |= CBasicFlag.replyTo
        }
        if let expiration {
            properties.expiration = try Self.shortString(expiration, "expiration", pool)
            flags |= CBasicFlag.expiration
        }
        if let messageID {
            properties.message_id = try Self.shortString(messageID, "message-id", pool)
            flags |= CBasicFlag.messageID
        }
        if let timestamp {
            properties.timestamp = AMQPFieldValue.wholeSeconds(since1970: timestamp.timeIntervalSince1970)
            flags |= CBasicFlag.timestamp
        }
        if let type {
            properties.type = try Self.shortString(type, "type", pool)
            flags |= CBasicFlag.type
        }
        if let userID {
            properties.user_id = try Self.shortString(userID, "user-id", pool)
            flags |= CBasicFlag.userID
        }
        if let appID {
            properties.app_id = try Self.shortString(appID, "app-id", pool)
            flags |= CBasicFlag.appID
        }
        if let clusterID {
            properties.cluster_id = try Self.shortString(clusterID, "cluster-id", pool)
            flags |= CBasicFlag.clusterID
        }
        properties._flags = flags
        return properties
    }

    /// Copies the properties rabbitmq-c decoded into Swift values; only properties whose flag bit
    /// is set are read. Strings that are not valid UTF-8 are repaired with U+FFFD. A delivery mode
    /// of 2 is ``DeliveryMode/persistent``; any other value is ``DeliveryMode/transient``, as the
    /// broker treats it.
    init(cProperties properties: amqp_basic_properties_t) {
        self.init()
        let flags = properties._flags
        func has(_ flag: amqp_flags_t) -> Bool { flags & flag != 0 }
        func string(_ bytes: amqp_bytes_t) -> String { CPoolMemory.lossyString(bytes) }
        if has(CBasicFlag.contentType) { contentType = string(properties.content_type) }
        if has(CBasicFlag.contentEncoding) { contentEncoding = string(properties.content_encoding) }
        if has(CBasicFlag.headers) { headers = AMQPTable(cTable: properties.headers) }
        if has(CBasicFlag.deliveryMode) {
            deliveryMode = properties.delivery_mode == DeliveryMode.persistent.rawValue ? .persistent : .transient
        }
        if has(CBasicFlag.priority) { priority = properties.priority }
        if has(CBasicFlag.correlationID) { correlationID = string(properties.correlation_id) }
        if has(CBasicFlag.replyTo) { replyTo = string(properties.reply_to) }
        if has(CBasicFlag.expiration) { expiration = string(properties.expiration) }
        if has(CBasicFlag.messageID) { messageID = string(properties.message_id) }
        if has(CBasicFlag.timestamp) { timestamp = Date(timeIntervalSince1970: Double(properties.timestamp)) }
        if has(CBasicFlag.type) { type = string(properties.type) }
        if has(CBasicFlag.userID) { userID = string(properties.user_id) }
        if has(CBasicFlag.appID) { appID = string(properties.app_id) }
        if has(CBasicFlag.clusterID) { clusterID = string(properties.cluster_id) }
    }

    /// Copies a short-string property into `pool`, checking the 255-byte AMQP limit.
    private static func shortString(
        _ value: String,
        _ name: String,
        _ pool: UnsafeMutablePointer<amqp_pool_t>
    ) throws(AMQPError) -> amqp_bytes_t {
        let bytes = value.utf8
        guard bytes.count <= 255 else {
            throw AMQPError(
                .invalidArgument,
                "The \(name) property is \(bytes.count) bytes long in UTF-8; AMQP allows at most 255.",
                object: "property '\(name)'"
            )
        }
        return try CPoolMemory.copy(bytes, into: pool)
    }
}
