import Testing
import Warren

/// `Topology.upgrade` (`warren queues upgrade`): queues made by an older Warren get Warren's arguments
/// without losing a message.
@Suite("Topology upgrade", .serialized)
struct TopologyUpgradeTests {
    @Test("an older Warren's quorum queues are recreated with the explicit limits, every message kept")
    func upgradesOldQueues() async throws {
        let queue = TaskQueue(uniqueQueue("upgrade").name, kind: .quorum)
        let connection = try await AMQPConnection.connect(try brokerConfiguration())
        // Deletes, then closes: two deferred tasks would race, and a close first leaks the queues.
        let channel = try await connection.openChannel()
        defer { Task { _ = try? await channel.queueDelete(queue.name); _ = try? await channel.queueDelete(queue.deadLetterQueue); await connection.close() } }
        // As the previous Warren declared them: no x-delivery-limit on either queue.
        var oldArguments = Topology().taskQueueArguments(queue)
        oldArguments["x-delivery-limit"] = nil
        _ = try await channel.queueDeclare(queue.deadLetterQueue, durable: true, arguments: ["x-queue-type": "quorum"])
        _ = try await channel.queueDeclare(queue.name, durable: true, arguments: oldArguments)
        try await channel.confirmSelect()
        for id in 0..<5 {
            try await channel.publish(AMQPOutboundMessage(body: [UInt8]("{}".utf8), routingKey: queue.name, mandatory: true, properties: AMQPProperties(deliveryMode: .persistent, messageID: "task-\(id)")))
        }
        for id in 0..<3 {
            try await channel.publish(AMQPOutboundMessage(body: [UInt8]("{}".utf8), routingKey: queue.deadLetterQueue, mandatory: true, properties: AMQPProperties(deliveryMode: .persistent, messageID: "dead-\(id)")))
        }
        #expect(try await Topology().declare(queue, on: connection).count == 2)

        let upgraded = try await Topology().upgrade(queue, on: connection)
        #expect(Set(upgraded.map(\.name)) == [queue.name, queue.deadLetterQueue])
        #expect(upgraded.first { $0.name == queue.name }?.messages == 5)
        #expect(upgraded.first { $0.name == queue.deadLetterQueue }?.messages == 3)
        #expect(try await Topology().declare(queue, on: connection).isEmpty, "the arguments match now")
        #expect(try await Topology().upgrade(queue, on: connection).isEmpty, "a second upgrade has nothing to do")
        let tasks = try await drain(queue.name, on: channel).compactMap(\.properties.messageID)
        let dead = try await drain(queue.deadLetterQueue, on: channel).compactMap(\.properties.messageID)
        let expectedTasks: Set<String> = ["task-0", "task-1", "task-2", "task-3", "task-4"]
        let expectedDead: Set<String> = ["dead-0", "dead-1", "dead-2"]
        #expect(tasks.count == 5)
        #expect(Set(tasks) == expectedTasks)
        #expect(dead.count == 3)
        #expect(Set(dead) == expectedDead)
        for holding in [queue.name, queue.deadLetterQueue].map({ $0 + ".warren-upgrade" }) {
            await #expect(throws: AMQPError.self, "\(holding) is gone") {
                try await connection.withChannel { try await $0.queueDeclare(holding, passive: true) }
            }
        }
    }

    @Test("a queue with consumers is not deleted: the upgrade says to stop its workers")
    func refusesQueueInUse() async throws {
        let queue = TaskQueue(uniqueQueue("upgrade-busy").name, kind: .quorum)
        let connection = try await AMQPConnection.connect(try brokerConfiguration())
        // Deletes, then closes: two deferred tasks would race, and a close first leaks the queues.
        let channel = try await connection.openChannel()
        defer {
            Task {
                for name in [queue.name, queue.deadLetterQueue, queue.name + ".warren-upgrade"] { _ = try? await channel.queueDelete(name) }
                await connection.close()
            }
        }
        _ = try await channel.queueDeclare(queue.name, durable: true, arguments: ["x-queue-type": "quorum"])
        let consumer = try await channel.consume(queue: queue.name)
        let error = await #expect(throws: AMQPError.self) { try await Topology().upgrade(queue, on: connection) }
        #expect(error?.message.contains("stop its workers") == true)
        try await consumer.cancel()
        // Once the workers are stopped, the same call finishes the job.
        #expect(try await Topology().upgrade(queue, on: connection).map(\.name) == [queue.name])
    }
}
