import Testing
import Warren

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
}
