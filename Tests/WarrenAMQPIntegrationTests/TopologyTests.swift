import Testing
import WarrenAMQP

@Suite("Topology")
struct TopologyTests {
    @Test("declares every exchange type, binds, routes, unbinds and deletes")
    func exchangesAndBindings() async throws {
        let names = (direct: uniqueName("direct"), fanout: uniqueName("fanout"), topic: uniqueName("topic"), headers: uniqueName("headers"))
        let queue = uniqueName("bound")
        try await withTestChannel(queues: [queue], exchanges: [names.direct, names.fanout, names.topic, names.headers]) { _, channel in
            try await channel.exchangeDeclare(names.direct, type: .direct)
            try await channel.exchangeDeclare(names.fanout, type: .fanout, durable: false)
            try await channel.exchangeDeclare(names.topic, type: .topic, autoDelete: false)
            try await channel.exchangeDeclare(names.headers, type: .headers)
            try await channel.exchangeDeclare(names.topic, type: .topic, passive: true)
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.queueBind(queue, exchange: names.topic, routingKey: "orders.*.created")
            try await channel.queueBind(queue, exchange: names.headers, arguments: ["x-match": "all", "kind": "invoice"])
            try await channel.confirmSelect()

            try await channel.publish(bytes("a"), exchange: names.topic, routingKey: "orders.eu.created", mandatory: true)
            try await channel.publish(
                bytes("b"), exchange: names.headers, routingKey: "", mandatory: true,
                properties: AMQPProperties(headers: ["kind": "invoice"])
            )
            await #expect(throws: AMQPError.self) {
                try await channel.publish(bytes("c"), exchange: names.topic, routingKey: "orders.eu.deleted", mandatory: true)
            }
            #expect(try await channel.queueDeclare(queue, passive: true).messageCount == 2)

            try await channel.queueUnbind(queue, exchange: names.topic, routingKey: "orders.*.created")
            let afterUnbind = try await #require(throws: AMQPError.self) {
                try await channel.publish(bytes("d"), exchange: names.topic, routingKey: "orders.eu.created", mandatory: true)
            }
            #expect(afterUnbind.code == .unroutable)

            #expect(try await channel.queuePurge(queue) == 2)
            #expect(try await channel.queueDeclare(queue, passive: true).messageCount == 0)
            try await channel.exchangeDelete(names.fanout)
            let missing = try await #require(throws: AMQPError.self) {
                try await channel.exchangeDeclare(names.fanout, type: .fanout, passive: true)
            }
            #expect(missing.replyCode == 404)
            #expect(missing.object == "exchange '\(names.fanout)'")
        }
    }

    @Test("exchange-to-exchange bindings route through")
    func exchangeToExchange() async throws {
        let source = uniqueName("e2e-source")
        let destination = uniqueName("e2e-destination")
        let queue = uniqueName("e2e-queue")
        try await withTestChannel(queues: [queue], exchanges: [source, destination]) { _, channel in
            try await channel.exchangeDeclare(source, type: .fanout, durable: false)
            try await channel.exchangeDeclare(destination, type: .direct, durable: false)
            try await channel.exchangeBind(destination: destination, source: source)
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.queueBind(queue, exchange: destination, routingKey: "k")
            try await channel.confirmSelect()
            try await channel.publish(bytes("x"), exchange: source, routingKey: "k", mandatory: true)
            #expect(try await channel.queueDeclare(queue, passive: true).messageCount == 1)
            try await channel.exchangeUnbind(destination: destination, source: source)
            await #expect(throws: AMQPError.self) {
                try await channel.publish(bytes("y"), exchange: source, routingKey: "k", mandatory: true)
            }
        }
    }

    @Test("queue arguments are accepted: dead-lettering, TTL, length, quorum, delivery limit, single active consumer")
    func queueArguments() async throws {
        let classic = uniqueName("classic-args")
        let quorum = uniqueName("quorum-args")
        let dlx = uniqueName("dlx")
        try await withTestChannel(queues: [classic, quorum], exchanges: [dlx]) { _, channel in
            try await channel.exchangeDeclare(dlx, type: .fanout)
            try await channel.queueDeclare(
                classic,
                arguments: [
                    "x-dead-letter-exchange": .string(dlx),
                    "x-dead-letter-routing-key": "dead",
                    "x-message-ttl": 60_000,
                    "x-max-length": 1000,
                    "x-single-active-consumer": true,
                ]
            )
            let declared = try await channel.queueDeclare(
                quorum,
                arguments: ["x-queue-type": "quorum", "x-delivery-limit": 5, "x-dead-letter-exchange": .string(dlx)]
            )
            #expect(declared.name == quorum)
            // Re-declaring with the same arguments is idempotent.
            try await channel.queueDeclare(quorum, arguments: ["x-queue-type": "quorum", "x-delivery-limit": 5, "x-dead-letter-exchange": .string(dlx)])
        }
    }

    @Test("re-declaring a queue with other arguments gives 406 with the broker's text; the connection goes on")
    func redeclareWithOtherArguments() async throws {
        let queue = uniqueName("redeclare")
        try await withTestChannel(queues: [queue]) { connection, channel in
            try await channel.queueDeclare(queue, arguments: ["x-max-length": 10])
            let error = try await #require(throws: AMQPError.self) {
                try await channel.queueDeclare(queue, arguments: ["x-max-length": 20])
            }
            #expect(error.code == .channelClosed)
            #expect(error.replyCode == 406)
            #expect(error.replyText?.contains("PRECONDITION_FAILED") == true)
            #expect(error.replyText?.contains("x-max-length") == true)
            #expect(error.operation == "queue.declare")
            #expect(error.object == "queue '\(queue)'")
            #expect(connection.isOpen)
            let fresh = try await connection.openChannel()
            #expect(try await fresh.queueDeclare(queue, passive: true).name == queue)
        }
    }

    @Test("passive declare returns message and consumer counts")
    func passiveDeclareCounts() async throws {
        let queue = uniqueName("counts")
        try await withTestChannel(queues: [queue]) { connection, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.confirmSelect()
            for index in 0..<3 { try await channel.publish(bytes("\(index)"), routingKey: queue) }
            let consumerChannel = try await connection.openChannel()
            try await consumerChannel.basicQos(prefetchCount: 1)
            let first = try await consumerChannel.consume(queue: queue)
            let second = try await consumerChannel.consume(queue: queue)
            // One message is sent to each consumer (prefetch 1) and no longer counted as ready.
            try await Task.sleep(for: .milliseconds(200))
            let counts = try await channel.queueDeclare(queue, passive: true)
            #expect(counts.consumerCount == 2)
            #expect(counts.messageCount == 1)
            // A consumer whose sequence is dropped is cancelled, so keep both until here.
            withExtendedLifetime((first, second)) {}
        }
    }

    @Test("delete with ifEmpty refuses a queue that has messages; delete returns the message count")
    func deleteConditions() async throws {
        let queue = uniqueName("delete")
        try await withTestChannel(queues: [queue]) { connection, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.confirmSelect()
            try await channel.publish(bytes("keep"), routingKey: queue)
            let error = try await #require(throws: AMQPError.self) { try await channel.queueDelete(queue, ifEmpty: true) }
            #expect(error.replyCode == 406)
            let fresh = try await connection.openChannel()
            #expect(try await fresh.queueDelete(queue) == 1)
        }
    }

    @Test("names longer than 255 bytes are refused locally, and the channel stays open")
    func longNames() async throws {
        try await withTestChannel { _, channel in
            let error = try await #require(throws: AMQPError.self) {
                try await channel.queueDeclare(String(repeating: "q", count: 256))
            }
            #expect(error.code == .invalidArgument)
            #expect(channel.isOpen)
            _ = try await channel.queueDeclare("", durable: false, exclusive: true)
        }
    }

    @Test("inspectQueue gives an existing queue's counts, nil for a missing one, and the connection goes on")
    func inspectQueue() async throws {
        let queue = uniqueName("inspect")
        try await withTestChannel(queues: [queue]) { connection, channel in
            _ = try await channel.queueDeclare(queue, durable: false, exclusive: true)
            try await channel.confirmSelect()
            try await channel.publish(bytes("one"), routingKey: queue)
            let counts = try #require(try await connection.inspectQueue(queue))
            #expect(counts.messageCount == 1 && counts.consumerCount == 0)
            #expect(try await connection.inspectQueue(queue + ".missing") == nil)
            #expect(connection.isOpen && channel.isOpen)
        }
    }
}
