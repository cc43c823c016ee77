import Foundation
import Testing
import Warren

@Suite("Task lifecycle events")
struct TaskEventsTests {
    @Test("a subscriber sees started, retrying and dead-lettered, and started and succeeded, with their fields")
    func lifecycle() async throws {
        let queue = uniqueQueue("events")
        let exchange = "warren-test-events-\(UInt32.random(in: 0...UInt32.max))"
        let subscription = uniqueName("events-subscriber")
        var tasks = TaskRegistry()
        tasks.register(Echo.self) { task, _ in
            if task.text == "bad" { throw TestFailure(text: "always bad") }
        }
        // The subscriber binds before the worker publishes anything.
        let connection = try await AMQPConnection.connect(try brokerConfiguration())
        let subscriberChannel = try await connection.openChannel()
        let events = try await TaskEvents.subscribe(on: subscriberChannel, queue: subscription, exchange: exchange)
        let seen = Recorder<TaskEvent>()
        let listening = Task {
            for try await delivery in events {
                seen.append(try TaskEvent(from: delivery))
                try delivery.ack()
            }
        }
        defer { listening.cancel() }

        try await withWorker(queue: queue, tasks: tasks, configure: {
            $0.events = TaskEvents(exchange: exchange)
            $0.retryPolicy = fastRetries(2, initial: .milliseconds(200))
        }) { producer, _ in
            try await producer.enqueue(Echo(text: "good"), to: queue.name, options: .init(messageID: "good-1", correlationID: "req-1"))
            try await producer.enqueue(Echo(text: "bad"), to: queue.name, options: .init(messageID: "bad-1"))
            try await waitUntil("six events") { seen.count >= 6 }
        }
        let good = seen.all.filter { $0.messageID == "good-1" }
        let bad = seen.all.filter { $0.messageID == "bad-1" }
        #expect(good.map(\.kind) == [.started, .succeeded])
        #expect(bad.map(\.kind) == [.started, .retrying, .started, .deadLettered])
        #expect(good.allSatisfy { $0.correlationID == "req-1" && $0.queue == queue.name && $0.task == "echo" })
        #expect(good.last?.durationMilliseconds != nil)
        #expect(bad[1].error == "always bad")
        #expect(bad[1].retryInMilliseconds == 200)
        #expect(bad[2].attempt == 2)
        #expect(bad[3].deadLetterReason == "max-attempts-exceeded")
        #expect(bad[3].maxAttempts == 2)
        #expect(bad.allSatisfy { !$0.worker.isEmpty && $0.enqueuedAt != nil })
        try await subscriberChannel.queueDelete(subscription)
        try await subscriberChannel.exchangeDelete(exchange)
        await connection.close()
    }
}
