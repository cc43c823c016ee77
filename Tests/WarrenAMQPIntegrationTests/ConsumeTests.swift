import Synchronization
import Testing
import WarrenAMQP

@Suite("Consuming")
struct ConsumeTests {
    @Test("consume, ack each, and the queue is empty afterwards")
    func consumeAndAck() async throws {
        let queue = uniqueName("consume")
        try await withTestChannel(queues: [queue]) { _, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.confirmSelect()
            try await channel.publish((0..<50).map { AMQPOutboundMessage(body: bytes("\($0)"), routingKey: queue) })
            try await channel.basicQos(prefetchCount: 10)
            let consumer = try await channel.consume(queue: queue)
            var received: [String] = []
            for try await delivery in consumer {
                #expect(!delivery.redelivered)
                #expect(delivery.consumerTag == consumer.tag)
                received.append(delivery.bodyString)
                try delivery.ack()
                if received.count == 50 { break }
            }
            #expect(received == (0..<50).map { "\($0)" })
            try await consumer.cancel()
            #expect(try await channel.queueDeclare(queue, passive: true).messageCount == 0)
        }
    }

    @Test("nack with requeue redelivers with the redelivered flag; reject without requeue drops")
    func nackAndReject() async throws {
        let queue = uniqueName("nack")
        try await withTestChannel(queues: [queue]) { _, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.confirmSelect()
            try await channel.publish(bytes("again"), routingKey: queue)
            try await channel.basicQos(prefetchCount: 1)
            let consumer = try await channel.consume(queue: queue)
            let first = try await collect(1, from: consumer)[0]
            #expect(!first.redelivered)
            try first.nack(requeue: true)
            let second = try await collect(1, from: consumer)[0]
            #expect(second.redelivered)
            #expect(second.bodyString == "again")
            try second.reject(requeue: false)
            try await consumer.cancel()
            try await Task.sleep(for: .milliseconds(100))
            let counts = try await channel.queueDeclare(queue, passive: true)
            #expect(counts.messageCount == 0)
        }
    }

    @Test("ack with multiple settles every earlier delivery")
    func multipleAck() async throws {
        let queue = uniqueName("multiple")
        try await withTestChannel(queues: [queue]) { connection, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.confirmSelect()
            try await channel.publish((0..<20).map { AMQPOutboundMessage(body: bytes("\($0)"), routingKey: queue) })
            try await channel.basicQos(prefetchCount: 20)
            let consumer = try await channel.consume(queue: queue)
            let received = try await collect(20, from: consumer)
            try received[19].ack(multiple: true)
            try await consumer.cancel()
            // If anything were left unacked, closing the channel would requeue it.
            try await channel.close()
            let checker = try await connection.openChannel()
            #expect(try await checker.queueDeclare(queue, passive: true).messageCount == 0)
        }
    }

    @Test("nack with multiple and no requeue drops every earlier delivery")
    func multipleNack() async throws {
        let queue = uniqueName("multiple-nack")
        try await withTestChannel(queues: [queue]) { connection, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.confirmSelect()
            try await channel.publish((0..<5).map { AMQPOutboundMessage(body: bytes("\($0)"), routingKey: queue) })
            try await channel.basicQos(prefetchCount: 5)
            let consumer = try await channel.consume(queue: queue)
            let received = try await collect(5, from: consumer)
            try received[4].nack(multiple: true, requeue: false)
            try await channel.close()
            let checker = try await connection.openChannel()
            #expect(try await checker.queueDeclare(queue, passive: true).messageCount == 0)
        }
    }

    @Test("prefetch is honoured: no more unacked deliveries than the limit")
    func prefetchHonoured() async throws {
        let queue = uniqueName("prefetch")
        try await withTestChannel(queues: [queue]) { _, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.confirmSelect()
            try await channel.publish((0..<30).map { AMQPOutboundMessage(body: bytes("\($0)"), routingKey: queue) })
            try await channel.basicQos(prefetchCount: 5)
            let consumer = try await channel.consume(queue: queue)
            let received = Mutex<[AMQPDelivery]>([])
            let iteration = Task {
                for try await delivery in consumer { received.withLock { $0.append(delivery) } }
            }
            defer { iteration.cancel() }
            // Five arrive; nothing more may arrive while they are unacked.
            try await waitUntil("five deliveries") { received.withLock { $0.count } == 5 }
            try await Task.sleep(for: .milliseconds(500))
            #expect(received.withLock { $0.count } == 5)
            #expect(try await channel.queueDeclare(queue, passive: true).messageCount == 25)
            try received.withLock { $0[0] }.ack()
            try await waitUntil("a sixth delivery") { received.withLock { $0.count } == 6 }
            try await Task.sleep(for: .milliseconds(200))
            #expect(received.withLock { $0.count } == 6)
        }
    }

    @Test("basic.get returns messages with the remaining count, then nil")
    func basicGet() async throws {
        let queue = uniqueName("get")
        try await withTestChannel(queues: [queue]) { _, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.confirmSelect()
            try await channel.publish(bytes("one"), routingKey: queue)
            try await channel.publish(bytes("two"), routingKey: queue)
            let first = try #require(try await channel.get(queue: queue))
            #expect(first.bodyString == "one")
            #expect(first.messageCount == 1)
            try first.ack()
            let second = try #require(try await channel.get(queue: queue))
            #expect(second.messageCount == 0)
            try second.ack()
            #expect(try await channel.get(queue: queue) == nil)
        }
    }

    @Test("deleting the queue under a consumer ends its sequence with consumerCancelled")
    func brokerCancelsConsumer() async throws {
        let queue = uniqueName("deleted")
        try await withTestChannel { connection, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            let consumer = try await channel.consume(queue: queue)
            let iteration = Task {
                for try await _ in consumer {}
            }
            let other = try await connection.openChannel()
            try await other.queueDelete(queue)
            let error = try await #require(throws: AMQPError.self) {
                try await withTimeLimit(.seconds(5), "consumer end") { try await iteration.value }
            }
            #expect(error.code == .consumerCancelled)
            #expect(channel.isOpen)
        }
    }

    @Test("cancelling a consumer ends its sequence normally and removes it at the broker")
    func clientCancelsConsumer() async throws {
        let queue = uniqueName("cancel")
        try await withTestChannel(queues: [queue]) { _, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            let consumer = try await channel.consume(queue: queue, consumerTag: "my-tag")
            #expect(consumer.tag == "my-tag")
            #expect(try await channel.queueDeclare(queue, passive: true).consumerCount == 1)
            let iteration = Task { for try await _ in consumer {} }
            try await consumer.cancel()
            try await withTimeLimit(.seconds(5), "consumer end") { try await iteration.value }
            #expect(try await channel.queueDeclare(queue, passive: true).consumerCount == 0)
        }
    }

    @Test("leaving the iteration by cancelling its task cancels the consumer at the broker")
    func abandonedIterationCancelsConsumer() async throws {
        let queue = uniqueName("abandoned")
        try await withTestChannel(queues: [queue]) { _, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            let iteration = Task {
                let consumer = try await channel.consume(queue: queue)
                for try await _ in consumer {}
            }
            try await waitUntil("the consumer registered") {
                try await channel.queueDeclare(queue, passive: true).consumerCount == 1
            }
            iteration.cancel()
            _ = await iteration.result
            try await waitUntil("the consumer gone at the broker", within: .seconds(5)) {
                try await channel.queueDeclare(queue, passive: true).consumerCount == 0
            }
        }
    }

    @Test("leaving the loop gives back the deliveries not handed out yet, while the channel stays open")
    func abandonedDeliveriesGoBack() async throws {
        let queue = uniqueName("given-back")
        try await withTestChannel(queues: [queue]) { connection, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.confirmSelect()
            for index in 0..<20 { try await channel.publish(bytes("m\(index)"), routingKey: queue) }
            let consuming = try await connection.openChannel()
            try await consuming.basicQos(prefetchCount: 20)
            do {
                let consumer = try await consuming.consume(queue: queue)
                // Let the whole prefetch arrive, then take one and leave the loop without settling it.
                try await Task.sleep(for: .milliseconds(300))
                for try await delivery in consumer {
                    #expect(delivery.bodyString == "m0")
                    break
                }
            }
            // The 19 never handed out go back to the queue at once; m0 stays unacked until the
            // channel closes.
            var ready: UInt32 = 0
            for _ in 0..<50 where ready != 19 {
                try await Task.sleep(for: .milliseconds(50))
                ready = try await channel.queueDeclare(queue, passive: true).messageCount
            }
            #expect(ready == 19)
            #expect(consuming.isOpen)
            // Closing the channel returns m0 too (the broker requeues it after the close).
            try await consuming.close()
            for _ in 0..<50 where ready != 20 {
                ready = try await channel.queueDeclare(queue, passive: true).messageCount
                if ready != 20 { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(ready == 20)
        }
    }

    @Test("settling a delivery of a closed channel throws, and the message returns to the queue")
    func settleOnClosedChannel() async throws {
        let queue = uniqueName("stale-tag")
        try await withTestChannel(queues: [queue]) { connection, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.confirmSelect()
            try await channel.publish(bytes("x"), routingKey: queue)
            let delivery = try #require(try await channel.get(queue: queue))
            try await channel.close()
            let error = try #require(throws: AMQPError.self) { try delivery.ack() }
            #expect(error.code == .channelClosed)
            let checker = try await connection.openChannel()
            let again = try #require(try await checker.get(queue: queue))
            #expect(again.redelivered)
            try again.ack()
        }
    }

    @Test("two consumers on one channel each get their own deliveries")
    func twoConsumers() async throws {
        let first = uniqueName("first")
        let second = uniqueName("second")
        try await withTestChannel(queues: [first, second]) { _, channel in
            try await channel.queueDeclare(first, durable: false, exclusive: true)
            try await channel.queueDeclare(second, durable: false, exclusive: true)
            try await channel.confirmSelect()
            try await channel.publish((0..<10).map { AMQPOutboundMessage(body: bytes("a\($0)"), routingKey: first) })
            try await channel.publish((0..<10).map { AMQPOutboundMessage(body: bytes("b\($0)"), routingKey: second) })
            let a = try await channel.consume(queue: first, noAck: true)
            let b = try await channel.consume(queue: second, noAck: true)
            let fromA = try await collect(10, from: a)
            let fromB = try await collect(10, from: b)
            #expect(fromA.allSatisfy { $0.bodyString.hasPrefix("a") && $0.consumerTag == a.tag })
            #expect(fromB.allSatisfy { $0.bodyString.hasPrefix("b") && $0.consumerTag == b.tag })
        }
    }
}
