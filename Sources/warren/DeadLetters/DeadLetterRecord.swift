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
    /// When it first failed (`x-warren-first-failure-at`), in milliseconds since 1970.
    let firstFailureAt: Int64?
    /// When it last failed (`x-warren-last-failure-at`), in milliseconds since 1970.
    let lastFailureAt: Int64?
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

    /// The record of a dead letter read through the library.
    init(_ letter: DeadLetter) {
        messageID = letter.messageID
        task = letter.taskName
        reason = letter.reason
        attempts = letter.attempts.map { Int64($0) }
        firstFailureAt = letter.firstFailureAt.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
        lastFailureAt = letter.lastFailureAt.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
        lastError = letter.lastError
        replays = Int64(letter.replays)
        bodyBytes = letter.body.count
    }

    /// The record of a dead letter with `properties` and a body of `bodyBytes` bytes.
    init(properties: AMQPProperties, bodyBytes: Int) {
        self.init(DeadLetter(body: [UInt8](repeating: 0, count: bodyBytes), properties: properties))
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(messageID, forKey: .messageID)
        try container.encode(task, forKey: .task)
        try container.encode(reason, forKey: .reason)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(firstFailureAt.map { Self.iso8601(milliseconds: $0, fractional: true) }, forKey: .firstFailureAt)
        try container.encode(lastFailureAt.map { Self.iso8601(milliseconds: $0, fractional: true) }, forKey: .lastFailureAt)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(replays, forKey: .replays)
        try container.encode(bodyBytes, forKey: .bodyBytes)
    }

    /// Milliseconds since 1970 in ISO 8601, UTC, to the second or to the millisecond.
    static func iso8601(milliseconds: Int64, fractional: Bool) -> String {
        let (seconds, remainder) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let (wholeSeconds, millis) = remainder < 0 ? (seconds - 1, remainder + 1000) : (seconds, remainder)
        let text = Date(timeIntervalSince1970: Double(wholeSeconds)).formatted(Date.ISO8601FormatStyle())
        guard fractional, text.hasSuffix("Z") else { return text }
        let digits = String(1000 + millis).dropFirst()
        return text.dropLast() + "." + digits + "Z"
    }
}
