#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import Warren
import WarrenAMQP

@Suite("Dead letters")
struct DeadLetterTests {
    @Test("a replay drops the attempt, failure, death and delivery headers, keeps the rest and counts the replay")
    func replayHeaders() throws {
        var properties = AMQPProperties(messageID: "m-1", type: "t")
        properties.expiration = "60000"
        properties.headers = [
            WarrenHeaders.attempt: 5, WarrenHeaders.deadReason: "max-attempts-exceeded",
            WarrenHeaders.lastError: "boom", WarrenHeaders.firstFailureAt: 1, WarrenHeaders.lastFailureAt: 2,
            "x-death": [["reason": "rejected"]], "x-first-death-reason": "rejected", "x-last-death-queue": "q",
            "x-delivery-count": 3, WarrenHeaders.replays: 2, "tenant": "acme",
        ]
        let letter = DeadLetter(body: Array("{}".utf8), properties: properties)
        #expect(letter.reason == "max-attempts-exceeded")
        #expect(letter.attempts == 5)
        #expect(letter.replays == 2)
        #expect(letter.firstFailureAt == Date(timeIntervalSince1970: 0.001))
        let message = letter.replayMessage(to: "orders")
        #expect(message.exchange == "")
        #expect(message.routingKey == "orders")
        #expect(message.mandatory)
        #expect(message.body == Array("{}".utf8))
        #expect(message.properties.type == "t")
        #expect(message.properties.deliveryMode == .persistent)
        #expect(message.properties.expiration == nil)
        #expect(message.properties.messageID == "m-1")
        let headers = message.properties.headers ?? [:]
        #expect(Set(headers.keys) == ["tenant", WarrenHeaders.replays])
        #expect(headers["tenant"] == "acme")
        #expect(headers[WarrenHeaders.replays] == .int64(3))
    }

    @Test("the reason falls back to the broker's x-death, then to x-last-death-reason")
    func brokerReason() {
        let fromDeath = DeadLetter(body: [], properties: AMQPProperties(headers: ["x-death": [["reason": "expired", "count": 1]]]))
        #expect(fromDeath.reason == "expired")
        #expect(fromDeath.attempts == nil)
        let fromLast = DeadLetter(body: [], properties: AMQPProperties(headers: ["x-last-death-reason": "delivery_limit"]))
        #expect(fromLast.reason == "delivery_limit")
    }

    @Test("a copy to a queue drops the broker's delivery count and stays persistent")
    func handBackCopy() throws {
        let properties = AMQPProperties(headers: ["x-delivery-count": 4, "tenant": "acme"], messageID: "m", type: "t")
        let copy = AMQPOutboundMessage.copy(body: [1, 2], properties: properties, toQueue: "q")
        #expect(copy.routingKey == "q" && copy.exchange == "" && copy.mandatory)
        #expect(copy.properties.headers == ["tenant": "acme"])
        #expect(copy.properties.messageID == "m" && copy.properties.deliveryMode == .persistent)
        #expect(copy.body == [1, 2])
    }
}
