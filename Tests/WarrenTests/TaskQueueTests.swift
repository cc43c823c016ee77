import Testing
@testable import Warren
import WarrenAMQP

@Suite("Task queues and topology arguments")
struct TaskQueueTests {
    @Test("valid names pass; names that would break routing keys or are reserved do not", arguments: [
        ("emails", true), ("billing.invoices", true), ("a-b_c:d", true), ("", false), ("a*b", false), ("a#", false),
        ("a b", false), (".leading", false), ("trailing.", false), ("double..dot", false), ("amq.reserved", false),
        (String(repeating: "q", count: 201), false),
    ])
    func validation(name: String, valid: Bool) {
        let result = Result { try TaskQueue(name).validate() }
        #expect((try? result.get()) != nil ? valid : !valid, "\(name)")
    }

    @Test("a classic queue dead-letters to the shared exchange with its own name as the key")
    func classicArguments() {
        let arguments = Topology().taskQueueArguments(TaskQueue("emails", maxPriority: 5))
        #expect(arguments["x-dead-letter-exchange"] == "warren.dead-letter")
        #expect(arguments["x-dead-letter-routing-key"] == "emails")
        #expect(arguments["x-max-priority"] == .int64(5))
        #expect(arguments["x-queue-type"] == nil)
    }

    @Test("a quorum queue gets its type, delivery limit and at-least-once dead-lettering")
    func quorumArguments() {
        let arguments = Topology().taskQueueArguments(TaskQueue("emails", kind: .quorum, deliveryLimit: 7, arguments: ["x-max-length": 100]))
        #expect(arguments["x-queue-type"] == "quorum")
        #expect(arguments["x-delivery-limit"] == .int64(7))
        #expect(arguments["x-dead-letter-strategy"] == "at-least-once")
        #expect(arguments["x-overflow"] == "reject-publish")
        #expect(arguments["x-max-length"] == .int64(100))
        #expect(TaskQueue("emails").deadLetterQueue == "emails.dead")
    }

    @Test("a quorum queue without a limit declares Warren's default, explicitly")
    func quorumDefaultLimit() {
        let arguments = Topology().taskQueueArguments(TaskQueue("emails", kind: .quorum))
        #expect(arguments["x-delivery-limit"] == .int64(Int64(TaskQueue.defaultDeliveryLimit)))
        #expect(TaskQueue.defaultDeliveryLimit == 20)
        #expect(Topology().taskQueueArguments(TaskQueue("emails"))["x-delivery-limit"] == nil)
    }

    @Test("a quorum dead-letter queue gets the large limit; a classic one no arguments")
    func deadLetterQueueArguments() {
        let quorum = Topology().deadLetterQueueArguments(TaskQueue("emails", kind: .quorum))
        #expect(quorum["x-queue-type"] == "quorum")
        #expect(quorum["x-delivery-limit"] == .int64(1_000_000))
        #expect(Topology().deadLetterQueueArguments(TaskQueue("emails")).isEmpty)
    }

    @Test("a delivery limit below 1 is refused (3.x drops every message at once)", arguments: [0, -1])
    func nonPositiveLimit(limit: Int) {
        let error = #expect(throws: WarrenError.self) { try TaskQueue("emails", kind: .quorum, deliveryLimit: limit).validate() }
        #expect(error?.code == .invalidArgument)
        #expect(error?.queue == "emails")
    }

    @Test("quorum priorities: no x-max-priority argument, allowed from RabbitMQ 4.0, refused before")
    func quorumPriorities() throws {
        let queue = TaskQueue("emails", kind: .quorum, maxPriority: 9)
        try queue.validate()
        #expect(Topology().taskQueueArguments(queue)["x-max-priority"] == nil)
        try Topology.checkSupported(queue, by: BrokerVersion(4, 0, 5))
        #expect(throws: AMQPError.self) { try Topology.checkSupported(queue, by: BrokerVersion(3, 13, 7)) }
        #expect(throws: AMQPError.self) { try Topology.checkSupported(queue, by: nil) }
        try Topology.checkSupported(TaskQueue("emails", maxPriority: 9), by: BrokerVersion(3, 10, 8))
    }

    @Test("hand-backs republish on quorum queues where a requeue counts, and requeue otherwise")
    func handBackMethod() {
        #expect(HandBack.method(for: .classic, broker: BrokerVersion(3, 10, 8)) == .requeue)
        #expect(HandBack.method(for: .quorum, broker: BrokerVersion(3, 10, 8)) == .republish)
        #expect(HandBack.method(for: .quorum, broker: BrokerVersion(4, 0, 5)) == .republish)
        #expect(HandBack.method(for: .quorum, broker: BrokerVersion(4, 3, 6)) == .requeue)
        #expect(HandBack.method(for: .quorum, broker: nil) == .republish)
    }

    @Test("the consumer timeout covers the prefetched rounds of the longest task, plus a minute")
    func consumerTimeout() {
        var configuration = Worker.Configuration(amqp: AMQPConnection.Configuration(), queue: TaskQueue("q"), concurrency: 4, prefetch: 8)
        // 8 prefetched / 4 slots = 2 rounds waiting, 1 running.
        #expect(configuration.consumerTimeout(longestTimeLimit: .seconds(60)) == .seconds(60 * 3 + 60))
        configuration.prefetch = 1
        #expect(configuration.consumerTimeout(longestTimeLimit: .seconds(10)) == .seconds(10 * 2 + 60))
        #expect(configuration.consumerTimeout(longestTimeLimit: nil) == nil)
    }

    @Test("the longest time limit is nil as soon as one handler has none")
    func longestTimeLimit() {
        var registry = TaskRegistry()
        #expect(registry.longestTimeLimit(workerDefault: .seconds(5)) == .seconds(5))
        registry.register(name: "a", timeLimit: .seconds(30)) { _, _ in }
        registry.register(name: "b") { _, _ in }
        #expect(registry.longestTimeLimit(workerDefault: nil) == nil)
        #expect(registry.longestTimeLimit(workerDefault: .seconds(45)) == .seconds(45))
        #expect(registry.longestTimeLimit(workerDefault: .seconds(10)) == .seconds(30))
    }
}
