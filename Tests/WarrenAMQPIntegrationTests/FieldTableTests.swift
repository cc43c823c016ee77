import Foundation
import Testing
import WarrenAMQP

@Suite("Field tables through the broker")
struct FieldTableTests {
    @Test("headers of every field kind come back as they were sent")
    func headersRoundTrip() async throws {
        let queue = uniqueName("headers")
        let headers: AMQPTable = [
            "boolean": .boolean(true),
            "int8": .int8(-8),
            "uint8": .uint8(200),
            "int16": .int16(-1600),
            "uint16": .uint16(60_000),
            "int32": .int32(-32_000_000),
            "uint32": .uint32(4_000_000_000),
            "int64": .int64(-64_000_000_000),
            "float": .float(1.5),
            "double": .double(-2.25),
            "decimal": .decimal(AMQPDecimal(scale: 2, value: 1234)),
            "string": "héllo wörld",
            "bytes": .bytes([0, 1, 2, 255]),
            "timestamp": .timestamp(1_700_000_000),
            "void": .void,
            "array": [1, "two", [3, ["four": 4]], .array([])],
            "table": ["nested": ["deeper": ["deepest": true]], "empty": .table([:])],
        ]
        try await withTestChannel(queues: [queue]) { _, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.confirmSelect()
            try await channel.publish(bytes("h"), routingKey: queue, properties: AMQPProperties(headers: headers))
            let delivery = try #require(try await channel.get(queue: queue, noAck: true))
            let received = try #require(delivery.properties.headers)
            for (key, value) in headers {
                #expect(received[key] == value, "header \(key)")
            }
            #expect(received.keys.sorted() == headers.keys.sorted())
        }
    }

    @Test("x-death reads back after a message is dead-lettered twice (republished by the client in between)")
    func xDeathReadsBack() async throws {
        let work = uniqueName("work")
        let dead = uniqueName("dead")
        let dlx = uniqueName("dlx")
        try await withTestChannel(queues: [work, dead], exchanges: [dlx]) { connection, channel in
            let version = try #require(connection.brokerVersion)
            try await channel.exchangeDeclare(dlx, type: .direct, durable: false)
            try await channel.queueDeclare(dead, durable: false, exclusive: true)
            try await channel.queueBind(dead, exchange: dlx, routingKey: work)
            try await channel.queueDeclare(
                work, durable: false, exclusive: true,
                arguments: ["x-dead-letter-exchange": .string(dlx), "x-dead-letter-routing-key": .string(work)]
            )
            try await channel.confirmSelect()
            try await channel.publish(bytes("doomed"), routingKey: work, properties: AMQPProperties(messageID: "m-1"))

            // Reject it out of `work` twice (moving it back by hand in between).
            let first = try #require(try await channel.get(queue: work))
            try first.reject(requeue: false)
            let parked = try #require(try await pollGet(channel, dead))
            try await channel.publish(parked.body, routingKey: work, properties: parked.properties)
            try parked.ack()
            let second = try #require(try await channel.get(queue: work))
            try second.nack(requeue: false)
            let final = try #require(try await pollGet(channel, dead))
            try final.ack()

            let headers = try #require(final.properties.headers)
            let deaths = try #require(headers["x-death"]?.arrayValue)
            #expect(deaths.count == 1)
            let death = try #require(deaths.first?.tableValue)
            // The second death's message carries the x-death of the first because the client
            // republished it with its headers. Before 3.13 the broker continues that count; from
            // 3.13 it ignores an x-death a client publishes and counts only the deaths it saw.
            let expectedCount: Int64 = version < BrokerVersion(3, 13) ? 2 : 1
            #expect(death["count"]?.intValue == expectedCount, "RabbitMQ \(version)")
            #expect(death["reason"]?.stringValue == "rejected")
            #expect(death["queue"]?.stringValue == work)
            #expect(death["exchange"]?.stringValue == "")
            #expect(death["routing-keys"]?.arrayValue == [.string(work)])
            let time = try #require(death["time"]?.dateValue)
            #expect(abs(time.timeIntervalSinceNow) < 120)
            #expect(headers["x-first-death-queue"]?.stringValue == work)
            #expect(headers["x-first-death-reason"]?.stringValue == "rejected")
            #expect(final.properties.messageID == "m-1")
        }
    }

    /// Dead-lettering is asynchronous: poll the queue briefly.
    private func pollGet(_ channel: AMQPChannel, _ queue: String) async throws -> AMQPDelivery? {
        for _ in 0..<100 {
            if let delivery = try await channel.get(queue: queue) { return delivery }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}
