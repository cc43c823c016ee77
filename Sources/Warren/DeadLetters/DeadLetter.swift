#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import WarrenAMQP

/// A message in a task queue's dead-letter queue (`Q.dead`), with what its headers say about its
/// death. Read with ``DeadLetterQueue/list(limit:)``.
public struct DeadLetter: Sendable {
    /// The message id (AMQP `message-id`).
    public var messageID: String?
    /// The task name (AMQP `type`).
    public var taskName: String?
    /// Why it died: Warren's `x-warren-dead-reason` (``DeadLetterReason``), else the reason the broker
    /// recorded in `x-death` (`rejected`, `expired`, `delivery_limit`, `maxlen`).
    public var reason: String?
    /// The attempt it died in (`x-warren-attempt`); nil when the broker dead-lettered it.
    public var attempts: Int?
    /// When it first failed (`x-warren-first-failure-at`).
    public var firstFailureAt: Date?
    /// When it last failed (`x-warren-last-failure-at`).
    public var lastFailureAt: Date?
    /// The last failure's error text (`x-warren-last-error`).
    public var lastError: String?
    /// How often it was replayed before (`x-warren-replays`).
    public var replays: Int
    /// The body, as published.
    public var body: [UInt8]
    /// The properties, headers included.
    public var properties: AMQPProperties

    /// The dead letter with `body` and `properties`.
    public init(body: [UInt8], properties: AMQPProperties) {
        let headers = properties.headers ?? [:]
        self.body = body
        self.properties = properties
        messageID = properties.messageID
        taskName = properties.type
        reason = headers[WarrenHeaders.deadReason]?.stringValue ?? Self.brokerReason(headers)
        attempts = headers[WarrenHeaders.attempt]?.intValue.map { Int(clamping: $0) }
        firstFailureAt = Self.date(headers[WarrenHeaders.firstFailureAt])
        lastFailureAt = Self.date(headers[WarrenHeaders.lastFailureAt])
        lastError = headers[WarrenHeaders.lastError].flatMap { $0.stringValue ?? $0.bytesValue.map { String(decoding: $0, as: UTF8.self) } }
        replays = Int(clamping: headers[WarrenHeaders.replays]?.intValue ?? 0)
    }

    /// The dead letter of a fetched delivery.
    public init(_ delivery: AMQPDelivery) {
        self.init(body: delivery.body, properties: delivery.properties)
    }

    /// The copy a replay publishes to `queue` (default exchange, mandatory, persistent): same body,
    /// id and properties; the attempt counter, Warren's failure headers and the broker's death and
    /// delivery headers removed, so it starts again at attempt 1; `x-warren-replays` incremented; no
    /// per-message TTL, which would count again from now.
    public func replayMessage(to queue: String) -> AMQPOutboundMessage {
        var properties = self.properties
        let before = properties.headers ?? [:]
        var headers = AMQPTable(entries: before.filter { !Self.headersRemovedOnReplay.contains($0.key) })
        headers[WarrenHeaders.replays] = .int64(Int64(replays) + 1)
        properties.headers = headers
        properties.expiration = nil
        return .copy(body: body, properties: properties, toQueue: queue)
    }

    /// What a replay removes, besides the broker's delivery headers that every copy drops.
    static let headersRemovedOnReplay: Set<String> = WarrenHeaders.brokerDeathHeaders.union([
        WarrenHeaders.attempt, WarrenHeaders.deadReason, WarrenHeaders.lastError,
        WarrenHeaders.firstFailureAt, WarrenHeaders.lastFailureAt,
    ])

    /// The reason the broker recorded in `x-death` (newest first) or its `x-*-death-reason` headers.
    static func brokerReason(_ headers: AMQPTable) -> String? {
        if let deaths = headers["x-death"]?.arrayValue, let reason = deaths.first?.tableValue?["reason"]?.stringValue {
            return reason
        }
        return headers["x-last-death-reason"]?.stringValue ?? headers["x-first-death-reason"]?.stringValue
    }

    /// A header holding milliseconds since 1970, or an AMQP timestamp (seconds).
    static func date(_ value: AMQPFieldValue?) -> Date? {
        guard let value else { return nil }
        if let milliseconds = value.intValue { return Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
        return value.timestampValue.map { Date(timeIntervalSince1970: Double($0)) }
    }
}
