import Foundation
import Testing
import Warren

@Suite("Producer")
struct ProducerTests {
    @Test("enqueue to a queue that does not exist is an error, not a silent drop")
    func unroutable() async throws {
        let connection = try await AMQPConnection.connect(try brokerConfiguration())
        let producer = TaskProducer(connection: connection)
        let missing = uniqueQueue("missing").name
        let error = try await #require(throws: WarrenError.self) {
            try await producer.enqueue(Echo(text: "lost"), to: missing, options: .init(messageID: "lost-1"))
        }
        // The task layer's error names the task, its id and the queue, and keeps the broker's.
        #expect(error.code == .unroutable)
        #expect(error.amqpError?.code == .unroutable)
        #expect(error.taskName == "echo")
        #expect(error.messageID == "lost-1")
        #expect(error.queue == missing)
        #expect(error.operation == "enqueue")
        #expect(error.message.contains("does not exist"))
        // The producer keeps working afterwards.
        let queue = uniqueQueue("after-unroutable")
        try await producer.declare(queue)
        try await producer.enqueue(Echo(text: "kept"), to: queue.name)
        let channel = try await connection.openChannel()
        #expect(try await channel.queueDeclare(queue.name, passive: true).messageCount == 1)
        let delivery = try #require(try await channel.get(queue: queue.name, noAck: true))
        #expect(delivery.properties.contentType == "application/json")
        #expect(delivery.properties.deliveryMode == .persistent)
        #expect(delivery.properties.type == "echo")
        #expect(delivery.properties.messageID?.isEmpty == false)
        #expect(delivery.properties.timestamp != nil)
        #expect(delivery.bodyString == #"{"text":"kept"}"#)
        try await channel.queueDelete(queue.name)
        try await channel.queueDelete(queue.deadLetterQueue)
        await connection.close()
    }

    @Test("a delayed task waits its delay, and a long delay does not hold up a short one")
    func delays() async throws {
        let queue = uniqueQueue("delays")
        let arrivals = Recorder<(text: String, at: ContinuousClock.Instant)>()
        var tasks = TaskRegistry()
        tasks.register(Echo.self) { task, _ in arrivals.append((task.text, .now)) }
        try await withWorker(queue: queue, tasks: tasks) { producer, channel in
            // The clock starts once the worker consumes: a worker slow to start (the whole suite on
            // two cores) would otherwise hand out all three at once, late, and hide what is measured.
            try await waitUntil("the worker consuming") {
                try await channel.queueDeclare(queue.name, passive: true).consumerCount >= 1
            }
            let start = ContinuousClock.now
            try await producer.enqueue(Echo(text: "long"), to: queue.name, options: .init(delay: .seconds(3)))
            try await producer.enqueue(Echo(text: "short"), to: queue.name, options: .init(delay: .milliseconds(700)))
            try await producer.enqueue(Echo(text: "now"), to: queue.name)
            try await waitUntil("all three") { arrivals.count == 3 }
            let seen = arrivals.all
            #expect(seen.map(\.text) == ["now", "short", "long"])
            let short = seen[1].at - start
            let long = seen[2].at - start
            // Not held up by the long delay: it arrives before the long one could (2.95 s). The bound
            // is that, not 0.7 s plus a margin: with the whole suite running beside it, the broker's
            // TTL expiries through three delay levels were seen to take up to 2.3 s.
            #expect(short >= .milliseconds(650) && short < .milliseconds(2900), "short: \(short)")
            #expect(long >= .milliseconds(2950) && long < .milliseconds(4000), "long: \(long)")
        }
    }

    @Test("an event published to a fan-out exchange reaches every subscribed task queue")
    func fanOut() async throws {
        let billing = uniqueQueue("billing")
        let shipping = uniqueQueue("shipping")
        let exchange = "warren-test-orders-\(UInt32.random(in: 0...UInt32.max))"
        let connection = try await AMQPConnection.connect(try brokerConfiguration())
        let producer = TaskProducer(connection: connection)
        let channel = try await connection.openChannel()
        try await producer.declare(billing)
        try await producer.declare(shipping)
        try await channel.exchangeDeclare(exchange, type: .fanout, durable: true)
        // Nobody bound yet: an error, not a silent drop.
        let early = await #expect(throws: WarrenError.self) { try await producer.publish(Echo(text: "early"), toExchange: exchange) }
        #expect(early?.code == .unroutable)
        #expect(early?.exchange == exchange)
        #expect(early?.message.contains("no queue is bound") == true)
        try await channel.queueBind(billing.name, exchange: exchange)
        try await channel.queueBind(shipping.name, exchange: exchange)
        let receipt = try await producer.publish(Echo(text: "order-1 placed"), toExchange: exchange)
        for queue in [billing, shipping] {
            let delivery = try #require(try await channel.get(queue: queue.name, noAck: true))
            #expect(delivery.properties.messageID == receipt.messageID)
            #expect(delivery.bodyString == #"{"text":"order-1 placed"}"#)
            try await channel.queueDelete(queue.name)
            try await channel.queueDelete(queue.deadLetterQueue)
        }
        try await channel.exchangeDelete(exchange)
        await connection.close()
    }

    @Test("a batch is confirmed as a whole; a batch cannot share one message id")
    func batch() async throws {
        let queue = uniqueQueue("batch")
        let connection = try await AMQPConnection.connect(try brokerConfiguration())
        let producer = TaskProducer(connection: connection)
        try await producer.declare(queue)
        let receipts = try await producer.enqueue((0..<500).map { Echo(text: "\($0)") }, to: queue.name)
        #expect(Set(receipts.map(\.messageID)).count == 500)
        let channel = try await connection.openChannel()
        #expect(try await channel.queueDeclare(queue.name, passive: true).messageCount == 500)
        let shared = await #expect(throws: WarrenError.self) {
            try await producer.enqueue([Echo(text: "a"), Echo(text: "b")], to: queue.name, options: .init(messageID: "same"))
        }
        #expect(shared?.code == .invalidArgument)
        try await channel.queueDelete(queue.name)
        try await channel.queueDelete(queue.deadLetterQueue)
        await connection.close()
    }

    @Test("declaring the same topology twice is idempotent; a quorum queue declares too; the other kind is a mismatch")
    func idempotentTopology() async throws {
        let classic = uniqueQueue("topology")
        let quorum = TaskQueue("warren-test-quorum-\(UInt32.random(in: 0...UInt32.max))", kind: .quorum, deliveryLimit: 3)
        let connection = try await AMQPConnection.connect(try brokerConfiguration())
        let producer = TaskProducer(connection: connection)
        #expect(try await producer.declare(classic).isEmpty)
        #expect(try await producer.declare(classic).isEmpty)
        #expect(try await producer.declare(quorum).isEmpty)
        #expect(try await producer.declare(quorum).isEmpty)
        // Declaring the same names with the other kind is tolerated: the queues are used as they are
        // and each comes back as a mismatch carrying the broker's 406 text.
        let mismatches = try await producer.declare(TaskQueue(quorum.name, kind: .classic))
        #expect(Set(mismatches.map(\.queue)) == [quorum.name, quorum.deadLetterQueue])
        for mismatch in mismatches {
            #expect(mismatch.brokerMessage.contains("inequivalent arg"), "\(mismatch)")
        }
        let channel = try await connection.openChannel()
        for queue in [classic, quorum] {
            try await channel.queueDelete(queue.name)
            try await channel.queueDelete(queue.deadLetterQueue)
        }
        await connection.close()
    }

    @Test("a producer with its own delay topology declares that topology and delivers a delayed task through it")
    func ownDelayTopology() async throws {
        let queue = uniqueQueue("own-delays")
        let delays = DelayRouting(prefix: "warren-test-delay-\(UInt32.random(in: 0...UInt32.max))")
        let connection = try await AMQPConnection.connect(try brokerConfiguration())
        let channel = try await connection.openChannel()
        let producer = TaskProducer(connection: connection, configuration: .init(topology: Topology(delays: delays)))
        // Before a51f35b, declare() set up the default topology's delay levels and marked the queue's
        // delay route as done, so this delayed enqueue went to exchanges that did not exist.
        try await producer.declare(queue)
        let started = ContinuousClock.now
        try await producer.enqueue(Echo(text: "later"), to: queue.name, options: .init(delay: .milliseconds(300)))
        try await waitUntil("the delayed task arrives", within: .seconds(10)) {
            try await channel.queueDeclare(queue.name, passive: true).messageCount == 1
        }
        #expect(ContinuousClock.now - started >= .milliseconds(250))
        _ = try await channel.queueDelete(queue.name)
        _ = try await channel.queueDelete(queue.deadLetterQueue)
        for level in 0..<DelayRouting.levels {
            _ = try await channel.queueDelete(delays.levelName(level))
            try await channel.exchangeDelete(delays.levelName(level))
        }
        try await channel.exchangeDelete(delays.deliveryExchange)
        await connection.close()
    }
}
