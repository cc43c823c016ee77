import Foundation
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import Testing
import Warren

struct Hold: WarrenTask {
    static let name = "hold"
    var id: Int
}

/// The quorum-queue guarantees of docs/operating.md ("Quorum queues and the delivery limit"), on the
/// broker at `AMQP_URL`: CI runs them on RabbitMQ 3.10, 4.0 and 4.3.
@Suite("Quorum queue semantics", .serialized)
struct QuorumSemanticsTests {
    @Test("50 listings and 50 single-message replays leave every other dead letter in place")
    func listingsAndReplaysKeepDeadLetters() async throws {
        let queue = TaskQueue(uniqueQueue("qq-dead").name, kind: .quorum)
        let connection = try await AMQPConnection.connect(try brokerConfiguration())
        // Deletes, then closes: two deferred tasks would race, and a close first leaks the queues.
        let channel = try await connection.openChannel()
        defer { Task { _ = try? await channel.queueDelete(queue.name); _ = try? await channel.queueDelete(queue.deadLetterQueue); await connection.close() } }
        try await Topology().declare(queue, on: connection)
        try await channel.confirmSelect()
        let ids = (0..<60).map { "dead-\($0)" }
        for id in ids {
            var properties = AMQPProperties(deliveryMode: .persistent, messageID: id, type: "hold")
            properties.headers = [WarrenHeaders.deadReason: "permanent-failure", WarrenHeaders.attempt: 1]
            try await channel.publish(AMQPOutboundMessage(body: Array("{\"id\":1}".utf8), routingKey: queue.deadLetterQueue, mandatory: true, properties: properties))
        }
        let dead = DeadLetterQueue(for: queue, on: connection)
        for round in 1...50 {
            // Every dead letter, once; the order of given-back messages is the broker's (RabbitMQ 4.3
            // was seen to reorder some).
            let listed = try await dead.list(limit: 100)
            #expect(listed.count == ids.count && Set(listed.compactMap(\.messageID)) == Set(ids), "listing \(round)")
            if listed.count != ids.count { break }
        }
        for (index, id) in ids.prefix(50).enumerated() {
            let outcome = try await dead.replay(messageID: id)
            let left = try await dead.count() ?? -1
            #expect(outcome.replayed == 1 && outcome.failure == nil, "replay \(index) of \(id): \(String(describing: outcome.failure)), \(left) left")
        }
        try await waitUntil("the replays and the rest are settled") {
            let deadCount = try await dead.count()
            let ready = try await channel.queueDeclare(queue.name, passive: true).messageCount
            return deadCount == 10 && ready == 50
        }
        let rest = try await dead.list(limit: 100).compactMap(\.messageID)
        #expect(rest.count == 10 && Set(rest) == Set(ids.suffix(10)))
        let replayed = try await drain(queue.name, on: channel)
        #expect(Set(replayed.compactMap(\.properties.messageID)) == Set(ids.prefix(50)))
    }

    @Test("30 worker restarts with prefetched deliveries charge no delivery and dead-letter nothing")
    func restartsChargeNothing() async throws {
        // A limit of 3: a hand-back that counted would push every task to Q.dead within a few restarts.
        let queue = TaskQueue(uniqueQueue("qq-restarts").name, kind: .quorum, deliveryLimit: 3)
        let amqp = try brokerConfiguration()
        let connection = try await AMQPConnection.connect(amqp)
        // Deletes, then closes: two deferred tasks would race, and a close first leaks the queues.
        let channel = try await connection.openChannel()
        defer { Task { _ = try? await channel.queueDelete(queue.name); _ = try? await channel.queueDelete(queue.deadLetterQueue); await connection.close() } }
        let producer = TaskProducer(connection: connection)
        try await producer.declare(queue)
        let count = 40
        for id in 0..<count { try await producer.enqueue(Hold(id: id), to: queue.name, options: .init(messageID: "hold-\(id)")) }

        let started = Atomic<Int>(0)
        var tasks = TaskRegistry()
        tasks.register(Hold.self) { _, _ in
            started.add(1, ordering: .relaxed)
            // Runs until the worker's grace period is over and cancels it: a hand-back of a running task.
            try await Task.sleep(for: .seconds(60))
        }
        var configuration = Worker.Configuration(amqp: amqp, queue: queue, concurrency: 2, prefetch: 10, shutdownGracePeriod: .milliseconds(100))
        configuration.retryPolicy = fastRetries(5)
        var logger = Logger(label: "warren.test.restarts")
        logger.logLevel = .error
        for restart in 1...30 {
            let before = started.load(ordering: .relaxed)
            let worker = Worker(configuration: configuration, tasks: tasks, logger: logger)
            try await testGracefulShutdown { trigger in
                let running = Task { try await worker.run() }
                try await waitUntil("restart \(restart): handlers started", within: .seconds(20)) {
                    started.load(ordering: .relaxed) >= before + 2
                }
                trigger.triggerGracefulShutdown()
                try await withTimeLimit(.seconds(30), "restart \(restart): worker stops") { try await running.value }
            }
        }
        #expect(started.load(ordering: .relaxed) >= 60)
        try await waitUntil("every task is back in the queue") {
            try await channel.queueDeclare(queue.name, passive: true).messageCount == UInt32(count)
        }
        #expect(try await channel.queueDeclare(queue.deadLetterQueue, passive: true).messageCount == 0)
        let messages = try await drain(queue.name, on: channel)
        #expect(Set(messages.compactMap(\.properties.messageID)) == Set((0..<count).map { "hold-\($0)" }))
        #expect(messages.count == count, "no duplicates")
        for message in messages {
            let deliveries = message.properties.headers?["x-delivery-count"]?.intValue ?? 0
            let attempt = message.properties.headers?[WarrenHeaders.attempt]?.intValue ?? 1
            #expect(deliveries == 0 && attempt == 1, "\(message.properties.messageID ?? "?"): x-delivery-count \(deliveries), attempt \(attempt)")
        }
    }

    @Test("a queue that exists with other arguments is used with a warning, not a 406")
    func foreignQueueIsUsed() async throws {
        let queue = TaskQueue(uniqueQueue("foreign").name, kind: .quorum)
        let connection = try await AMQPConnection.connect(try brokerConfiguration())
        // Deletes, then closes: two deferred tasks would race, and a close first leaks the queues.
        let channel = try await connection.openChannel()
        defer { Task { _ = try? await channel.queueDelete(queue.name); _ = try? await channel.queueDelete(queue.deadLetterQueue); await connection.close() } }
        // As a pika tutorial declares it, and as an older Warren declared Q.dead (no delivery limit).
        _ = try await channel.queueDeclare(queue.name, durable: true)
        _ = try await channel.queueDeclare(queue.deadLetterQueue, durable: true, arguments: ["x-queue-type": "quorum"])
        let mismatches = try await Topology().declare(queue, on: connection)
        #expect(Set(mismatches.map(\.queue)) == [queue.name, queue.deadLetterQueue])
        #expect(mismatches.allSatisfy { $0.brokerMessage.contains("inequivalent arg") })
        #expect(mismatches.first?.description.contains("warren queues upgrade --queue \(queue.name)") == true)
    }

    @Test("a worker configured for quorum, with time limits, runs tasks from a queue that exists as classic")
    func workerOnForeignClassicQueue() async throws {
        // RabbitMQ 4.3 refuses x-consumer-timeout on a classic queue's consumer: a worker that trusted
        // its own configuration would get 406 on every consume.
        let queue = TaskQueue(uniqueQueue("foreign-classic").name, kind: .quorum)
        let amqp = try brokerConfiguration()
        let connection = try await AMQPConnection.connect(amqp)
        // Deletes, then closes: two deferred tasks would race, and a close first leaks the queues.
        let channel = try await connection.openChannel()
        defer { Task { _ = try? await channel.queueDelete(queue.name); _ = try? await channel.queueDelete(queue.deadLetterQueue); await connection.close() } }
        _ = try await channel.queueDeclare(queue.name, durable: true)
        let ran = Atomic<Int>(0)
        var tasks = TaskRegistry()
        tasks.register(Hold.self, timeLimit: .seconds(30)) { _, _ in ran.add(1, ordering: .relaxed) }
        var logger = Logger(label: "warren.test.foreign-classic")
        logger.logLevel = .error
        let worker = Worker(configuration: .init(amqp: amqp, queue: queue, timeLimit: .seconds(30)), tasks: tasks, logger: logger)
        try await testGracefulShutdown { trigger in
            let running = Task { try await worker.run() }
            try await channel.confirmSelect()
            var properties = AMQPProperties(deliveryMode: .persistent, messageID: "foreign-1", type: Hold.name)
            properties.contentType = "application/json"
            try await channel.publish(AMQPOutboundMessage(body: Array("{\"id\":1}".utf8), routingKey: queue.name, mandatory: true, properties: properties))
            try await waitUntil("the task ran", within: .seconds(20)) { ran.load(ordering: .relaxed) == 1 }
            trigger.triggerGracefulShutdown()
            try await withTimeLimit(.seconds(30), "worker stops") { try await running.value }
        }
    }

    @Test("quorum priorities: declared on RabbitMQ 4.0+, a clear error before")
    func quorumPriorities() async throws {
        let queue = TaskQueue(uniqueQueue("qq-prio").name, kind: .quorum, maxPriority: 9)
        let connection = try await AMQPConnection.connect(try brokerConfiguration())
        // Deletes, then closes: two deferred tasks would race, and a close first leaks the queues.
        let channel = try await connection.openChannel()
        defer { Task { _ = try? await channel.queueDelete(queue.name); _ = try? await channel.queueDelete(queue.deadLetterQueue); await connection.close() } }
        let version = try #require(connection.brokerVersion)
        if version.supportsQuorumQueuePriorities {
            try await Topology().declare(queue, on: connection)
            let producer = TaskProducer(connection: connection)
            try await producer.enqueue(Hold(id: 1), to: queue.name, options: .init(priority: 0, messageID: "low"))
            try await producer.enqueue(Hold(id: 2), to: queue.name, options: .init(priority: 9, messageID: "high"))
            let first = try #require(try await channel.get(queue: queue.name, noAck: true))
            #expect(first.properties.messageID == "high")
        } else {
            let error = await #expect(throws: AMQPError.self) { try await Topology().declare(queue, on: connection) }
            #expect(error?.message.contains("RabbitMQ 4.0 or later") == true)
        }
    }
}
