import Foundation
import Testing
import Warren
import WarrenTestSupport

/// Runs the built example executables against the broker, as a user would.
@Suite("Examples", .serialized)
struct SwiftExamplesTests {
    @Test("ExampleWorker runs what ExampleProducer enqueues; the declined card ends in the dead-letter queue")
    func workerAndProducer() async throws {
        let queue = "warren-test-example-\(UInt32.random(in: 0...UInt32.max))"
        var environment = ProcessInfo.processInfo.environment
        environment["EXAMPLE_QUEUE"] = queue
        environment["EXAMPLE_FAILURE_RATE"] = "0.3"

        let workerOutput = Pipe()
        let worker = try launch("ExampleWorker", environment: environment, output: workerOutput)
        defer { if worker.isRunning { worker.interrupt() } }
        let producer = try launch("ExampleProducer", arguments: ["10"], environment: environment, output: Pipe())
        try await waitForExit(producer, within: .seconds(30))
        #expect(producer.terminationStatus == 0)

        let connection = try await AMQPConnection.connect(try .fromEnvironment())
        let channel = try await connection.openChannel()
        // Ten tasks: five resizes, four good charges (some retried), one declined charge dead after 4 attempts.
        // Wait for the declined charge itself: another charge may die first (four time-outs in a row)
        // while the declined one still waits in the delay levels, which the ready count does not see.
        let deadline = ContinuousClock.now + .seconds(40)
        var deadLetters: [AMQPDelivery] = []
        var ready: UInt32 = 1
        while ContinuousClock.now < deadline {
            ready = try await channel.queueDeclare(queue, passive: true).messageCount
            deadLetters += try await drainQueue(queue + ".dead", on: channel)
            if ready == 0 && deadLetters.contains(where: { $0.properties.messageID == "order-10-charge" }) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(ready == 0)
        let declined = deadLetters.filter { $0.properties.messageID == "order-10-charge" }
        #expect(declined.count == 1)
        #expect(declined.first?.properties.headers?[WarrenHeaders.attempt] == .int64(4))
        #expect(declined.first?.properties.headers?[WarrenHeaders.lastError]?.stringValue?.contains("declined") == true)
        // Anything else dead was a charge that timed out four times in a row (rare, allowed).
        #expect(deadLetters.allSatisfy { $0.properties.type == "charge-card" })

        worker.terminate()
        try await waitForExit(worker, within: .seconds(35))
        #expect(worker.terminationStatus == 0)
        let output = String(decoding: workerOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(output.components(separatedBy: "resized image").count - 1 == 5)
        try await channel.queueDelete(queue)
        try await channel.queueDelete(queue + ".dead")
        await connection.close()
    }
}

func drainQueue(_ queue: String, on channel: AMQPChannel) async throws -> [AMQPDelivery] {
    var messages: [AMQPDelivery] = []
    while let delivery = try await channel.get(queue: queue, noAck: true) { messages.append(delivery) }
    return messages
}

