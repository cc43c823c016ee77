import Foundation
import Warren

/// What a dead letter says about its task: read from its properties and headers.
struct DeadLetterRecord: Sendable, Encodable {
    /// The message id.
    let messageID: String?
    /// The task name (AMQP `type`).
    let task: String?
    /// Why it died: `x-warren-dead-reason`, else the broker's `x-death` reason.
    let reason: String?
    /// The attempt it died in (`x-warren-attempt`).
    let attempts: Int64?
    /// When it first failed (`x-warren-first-failure-at`).
    let firstFailureAt: Date?
    /// When it last failed (`x-warren-last-failure-at`).
    let lastFailureAt: Date?
    /// The last failure's error text.
    let lastError: String?
    /// How often it was replayed before (`x-warren-replays`).
    let replays: Int64
    /// The body's size in bytes.
    let bodyBytes: Int

    private enum CodingKeys: String, CodingKey {
        case messageID = "message_id", task, reason, attempts
        case firstFailureAt = "first_failure_at", lastFailureAt = "last_failure_at"
        case lastError = "last_error", replays, bodyBytes = "body_bytes"
    }

    /// The record of a fetched dead letter.
    init(_ delivery: AMQPDelivery) {
        let properties = delivery.properties
        let headers = properties.headers ?? [:]
        messageID = properties.messageID
        task = properties.type
        reason = headers[WarrenHeaders.deadReason]?.stringValue ?? Self.brokerReason(headers)
        attempts = headers[WarrenHeaders.attempt]?.intValue
        firstFailureAt = Self.date(headers[WarrenHeaders.firstFailureAt])
        lastFailureAt = Self.date(headers[WarrenHeaders.lastFailureAt])
        lastError = headers[WarrenHeaders.lastError].flatMap { $0.stringValue ?? $0.bytesValue.map { String(decoding: $0, as: UTF8.self) } }
        replays = headers[WarrenHeaders.replays]?.intValue ?? 0
        bodyBytes = delivery.body.count
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(messageID, forKey: .messageID)
        try container.encode(task, forKey: .task)
        try container.encode(reason, forKey: .reason)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(firstFailureAt.map { Self.iso8601($0, fractional: true) }, forKey: .firstFailureAt)
        try container.encode(lastFailureAt.map { Self.iso8601($0, fractional: true) }, forKey: .lastFailureAt)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(replays, forKey: .replays)
        try container.encode(bodyBytes, forKey: .bodyBytes)
    }

    /// The reason the broker recorded in `x-death` (newest first) or `x-first-death-reason`.
    static func brokerReason(_ headers: AMQPTable) -> String? {
        if let deaths = headers["x-death"]?.arrayValue,
            let reason = deaths.first?.tableValue?["reason"]?.stringValue
        {
            return reason
        }
        return headers["x-last-death-reason"]?.stringValue ?? headers["x-first-death-reason"]?.stringValue
    }

    /// A header holding milliseconds since 1970 (or an AMQP timestamp) as a date.
    static func date(_ value: AMQPFieldValue?) -> Date? {
        guard let value else { return nil }
        if let milliseconds = value.intValue { return Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
        return value.dateValue
    }

    /// A date in ISO 8601, UTC.
    static func iso8601(_ date: Date, fractional: Bool) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: fractional))
    }
}
