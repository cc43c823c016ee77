import Foundation
@testable import Warren
import Testing

@Suite("Failure messages")
struct FailureMessagesTests {
    let failures = FailureMessages(queue: "emails", topology: Topology())
    let now = Date(timeIntervalSince1970: 1_700_000_000.5)
    let original = AMQPProperties(
        contentType: "application/json",
        headers: [
            "tenant": "acme",
            "x-death": [["count": 1, "reason": "expired"]],
            "x-first-death-queue": "warren.delay.3",
        ],
        deliveryMode: .transient,
        expiration: "60000",
        messageID: "m-1",
        type: "send-email"
    )

    @Test("a retry goes through the delay levels with the next attempt and the failure recorded")
    func retry() throws {
        let message = failures.retry(
            body: [1, 2], properties: original, messageID: "m-1", failedAttempt: 2, error: "boom", delay: .seconds(2.5), now: now
        )
        #expect(message.exchange == "warren.delay.4")
        #expect(message.routingKey == DelayRouting().routingKey(units: 25, queue: "emails"))
        #expect(message.mandatory)
        #expect(message.body == [1, 2])
        let properties = message.properties
        #expect(properties.deliveryMode == .persistent)
        #expect(properties.expiration == nil)
        #expect(properties.messageID == "m-1")
        #expect(properties.type == "send-email")
        let headers = try #require(properties.headers)
        #expect(headers[WarrenHeaders.attempt] == .int64(3))
        #expect(headers[WarrenHeaders.queue] == "emails")
        #expect(headers[WarrenHeaders.lastError] == "boom")
        #expect(headers[WarrenHeaders.firstFailureAt] == .int64(1_700_000_000_500))
        #expect(headers[WarrenHeaders.lastFailureAt] == .int64(1_700_000_000_500))
        #expect(headers["tenant"] == "acme")
        #expect(headers["x-death"] == nil)
        #expect(headers["x-first-death-queue"] == nil)
        #expect(headers[WarrenHeaders.deadReason] == nil)
    }

    @Test("the first failure time is kept across retries; a zero delay goes straight to the queue")
    func keepsFirstFailure() throws {
        var earlier = original
        earlier.headers?[WarrenHeaders.firstFailureAt] = .int64(42)
        let message = failures.retry(
            body: [], properties: earlier, messageID: "m-1", failedAttempt: 1, error: "again", delay: .zero, now: now
        )
        #expect(message.exchange == "")
        #expect(message.routingKey == "emails")
        #expect(message.properties.headers?[WarrenHeaders.firstFailureAt] == .int64(42))
    }

    @Test("a dead letter goes to the dead-letter exchange with its reason")
    func deadLetter() throws {
        let message = failures.deadLetter(
            body: [9], properties: original, messageID: "m-1", attempt: 5, reason: .maxAttemptsExceeded, error: "gave up", now: now
        )
        #expect(message.exchange == "warren.dead-letter")
        #expect(message.routingKey == "emails")
        let headers = try #require(message.properties.headers)
        #expect(headers[WarrenHeaders.deadReason] == "max-attempts-exceeded")
        #expect(headers[WarrenHeaders.attempt] == .int64(5))
        #expect(headers[WarrenHeaders.lastError] == "gave up")
    }

    @Test("long error texts are cut to 2048 bytes on a character boundary")
    func truncation() {
        let long = String(repeating: "é", count: 5000)
        let cut = FailureMessages.truncated(long)
        #expect(cut.utf8.count <= WarrenHeaders.maxErrorBytes)
        #expect(cut.hasSuffix("…"))
        #expect(FailureMessages.truncated("short") == "short")
    }
}
