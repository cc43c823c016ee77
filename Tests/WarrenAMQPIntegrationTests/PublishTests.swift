import Foundation
import Synchronization
import Testing
import WarrenAMQP

@Suite("Publishing")
struct PublishTests {
    @Test("a confirmed publish is in the queue when publish returns")
    func confirmedPublish() async throws {
        let queue = uniqueName("confirm")
        try await withTestChannel(queues: [queue]) { _, channel in
            try await channel.queueDeclare(queue)
            try await channel.confirmSelect()
            try await channel.publish(bytes("durable"), routingKey: queue, properties: AMQPProperties(deliveryMode: .persistent))
            #expect(try await channel.queueDeclare(queue, passive: true).messageCount == 1)
        }
    }

    @Test("an unroutable mandatory publish throws with the broker's reply")
    func mandatoryReturn() async throws {
        let queue = uniqueName("routable")
        try await withTestChannel(queues: [queue]) { _, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.confirmSelect()
            let missing = uniqueName("nowhere")
            // Interleave routable and unroutable publishes: each return must fail only its own publish.
            try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for index in 0..<200 {
                    group.addTask {
                        let routable = index % 3 != 0
                        do {
                            try await channel.publish(bytes("\(index)"), routingKey: routable ? queue : missing, mandatory: true)
                            return (index, true)
                        } catch let error as AMQPError where error.code == .unroutable {
                            #expect(error.replyCode == 312)
                            #expect(error.replyText == "NO_ROUTE")
                            return (index, false)
                        }
                    }
                }
                for try await (index, delivered) in group {
                    #expect(delivered == (index % 3 != 0), "publish \(index)")
                }
            }
            #expect(try await channel.queueDeclare(queue, passive: true).messageCount == 133)
        }
    }

    @Test("a non-mandatory unroutable publish is confirmed and dropped by the broker")
    func nonMandatoryUnroutable() async throws {
        try await withTestChannel { _, channel in
            try await channel.confirmSelect()
            try await channel.publish(bytes("lost"), routingKey: uniqueName("nowhere"))
        }
    }

    @Test("publishing to a missing exchange closes the channel with 404")
    func missingExchange() async throws {
        try await withTestChannel { connection, channel in
            try await channel.confirmSelect()
            let exchange = uniqueName("missing-exchange")
            let error = try await #require(throws: AMQPError.self) {
                try await channel.publish(bytes("x"), exchange: exchange, routingKey: "k")
            }
            #expect(error.code == .channelClosed)
            #expect(error.replyCode == 404)
            #expect(error.replyText?.contains(exchange) == true)
            #expect(error.operation == "basic.publish")
            #expect(connection.isOpen)
        }
    }

    @Test("many concurrent publishes are pipelined and the in-flight cap holds")
    func pipelinedWithCap() async throws {
        let queue = uniqueName("pipelined")
        try await withTestChannel(queues: [queue]) { _, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.confirmSelect(maxOutstanding: 8)
            let count = 2000
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    group.addTask { try await channel.publish(bytes("\(index)"), routingKey: queue) }
                }
                try await group.waitForAll()
            }
            #expect(try await channel.queueDeclare(queue, passive: true).messageCount == UInt32(count))
        }
    }

    @Test("a batch publish returns when every message is confirmed")
    func batchPublish() async throws {
        let queue = uniqueName("batch")
        try await withTestChannel(queues: [queue]) { _, channel in
            try await channel.queueDeclare(queue)
            try await channel.confirmSelect(maxOutstanding: 100)
            let messages = (0..<1000).map {
                AMQPOutboundMessage(body: bytes("\($0)"), routingKey: queue, mandatory: true, properties: AMQPProperties(deliveryMode: .persistent))
            }
            try await channel.publish(messages)
            #expect(try await channel.queueDeclare(queue, passive: true).messageCount == 1000)
            // One unroutable message fails the batch.
            var mixed = Array(messages.prefix(10))
            mixed.append(AMQPOutboundMessage(body: bytes("lost"), routingKey: uniqueName("nowhere"), mandatory: true))
            let error = try await #require(throws: AMQPError.self) { try await channel.publish(mixed) }
            #expect(error.code == .unroutable)
            #expect(try await channel.queueDeclare(queue, passive: true).messageCount == 1010)
        }
    }

    @Test("publishes without confirm mode are written in order")
    func withoutConfirms() async throws {
        let queue = uniqueName("no-confirms")
        try await withTestChannel(queues: [queue]) { _, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            for index in 0..<100 { try await channel.publish(bytes("\(index)"), routingKey: queue) }
            try await channel.basicQos(prefetchCount: 100)
            let consumer = try await channel.consume(queue: queue, noAck: true)
            let received = try await collect(100, from: consumer)
            #expect(received.map(\.bodyString) == (0..<100).map { "\($0)" })
        }
    }

    @Test("every basic property survives the round trip through the broker")
    func everyProperty() async throws {
        let queue = uniqueName("properties")
        try await withTestChannel(queues: [queue]) { _, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true, arguments: ["x-max-priority": 10])
            try await channel.confirmSelect()
            let timestamp = Date(timeIntervalSince1970: 1_700_000_000)
            let properties = AMQPProperties(
                contentType: "application/json",
                contentEncoding: "utf-8",
                headers: ["tenant": "acme", "attempt": 3],
                deliveryMode: .persistent,
                priority: 7,
                correlationID: "corr-1",
                replyTo: "replies",
                expiration: "60000",
                messageID: "msg-1",
                timestamp: timestamp,
                type: "invoice.created",
                userID: "guest",
                appID: "warren-tests",
                clusterID: "cluster-a"
            )
            try await channel.publish(bytes("{}"), routingKey: queue, properties: properties)
            let delivery = try #require(try await channel.get(queue: queue, noAck: true))
            #expect(delivery.properties == properties)
            #expect(delivery.messageCount == 0)
            #expect(delivery.routingKey == queue)
            #expect(delivery.exchange == "")
        }
    }

    @Test("properties that do not fit one content header frame are refused before anything is sent", arguments: [8159, 8160, 20_000])
    func propertiesAtTheFrameLimit(valueLength: Int) async throws {
        // frame_max 8192 (the smallest RabbitMQ 4.1+ accepts; 3.x takes 4096 too) leaves 8172 bytes
        // for properties. Headers only: flags (2) + table length (4) + key "k" (2) + string tag and
        // length (5) + the value = 13 + valueLength bytes.
        let frameMax = 8192
        let queue = uniqueName("header-limit")
        var configuration = try testConfiguration()
        configuration.frameMax = frameMax
        try await withTestChannel(queues: [queue], configuration: configuration) { connection, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            // Confirmed, so the queue's count below includes what was sent (not mandatory: no sequence header).
            try await channel.confirmSelect()
            let properties = AMQPProperties(headers: ["k": .string(String(repeating: "h", count: valueLength))])
            let fits = 13 + valueLength <= frameMax - 20
            do {
                try await channel.publish(bytes("x"), routingKey: queue, properties: properties)
                #expect(fits, "a \(13 + valueLength)-byte property list was sent")
            } catch let error as AMQPError {
                #expect(!fits)
                #expect(error.code == .invalidArgument, "\(error)")
            }
            // Refused or sent, the connection's frame stream is intact: the next publish goes through.
            try await channel.publish(bytes("after"), routingKey: queue)
            #expect(connection.isOpen)
            let count = try await channel.queueDeclare(queue, passive: true).messageCount
            #expect(count == (fits ? 2 : 1))
        }
    }

    @Test("a large body spanning many frames arrives intact")
    func largeBody() async throws {
        let queue = uniqueName("large")
        try await withTestChannel(queues: [queue]) { _, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.confirmSelect()
            let body = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            try await channel.publish(body, routingKey: queue)
            let delivery = try #require(try await channel.get(queue: queue, noAck: true))
            #expect(delivery.body == body)
        }
    }
}
