import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import Warren

@Suite("WarrenClient")
struct WarrenClientTests {
    private static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .error
        return logger
    }

    @Test("in one ServiceGroup with a worker it made: declares its queue at start, runs a task, dead-letters another, and refuses enqueues after shutdown")
    func serviceGroupRoundTrip() async throws {
        let queue = uniqueQueue("client")
        let amqp = try brokerConfiguration()
        let client = WarrenClient(configuration: .init(amqp: amqp, queues: [queue]), logger: Self.quietLogger("warren.test.client"))
        let seen = Recorder<String>()
        var tasks = TaskRegistry()
        tasks.register(Echo.self) { task, _ in
            if task.text == "doomed" { throw PermanentFailure("cannot echo doomed") }
            seen.append(task.text)
        }
        let worker = client.worker(for: queue, tasks: tasks, logger: Self.quietLogger("warren.test.worker")) {
            $0.concurrency = 2
            $0.retryPolicy = fastRetries(2)
        }
        let group = ServiceGroup(services: [client, worker], logger: Self.quietLogger("warren.test.group"))
        let admin = try await AMQPConnection.connect(amqp)
        let channel = try await admin.openChannel()
        let running = Task { try await group.run() }
        do {
            // run() declares the configured queue before anything is enqueued.
            try await waitUntil("the client declares the queue", within: .seconds(10)) {
                (try? await admin.inspectQueue(queue.name)) != nil
            }
            #expect(client.connectionCount == 1)
            try await client.enqueue(Echo(text: "hello"), to: queue)
            try await client.enqueue(Echo(text: "doomed"), to: queue, options: .init(messageID: "doomed-1"))
            try await waitUntil("the task ran and the other is dead", within: .seconds(10)) {
                let dead = try await client.deadLetters(of: queue).count()
                return seen.count == 1 && dead == 1
            }
            #expect(seen.all == ["hello"])
            let dead = try await client.deadLetters(of: queue).list()
            #expect(dead.map(\.messageID) == ["doomed-1"])
            #expect(dead.first?.reason == "permanent-failure")

            await group.triggerGracefulShutdown()
            try await withTimeLimit(.seconds(30), "the group stops") { try await running.value }
            let error = await #expect(throws: WarrenError.self) { try await client.enqueue(Echo(text: "late"), to: queue) }
            #expect(error?.code == .shutDown)
            #expect(error?.message.contains("shut down") == true)
            #expect(error?.queue == queue.name)
        } catch {
            running.cancel()
            _ = try? await channel.queueDelete(queue.name)
            _ = try? await channel.queueDelete(queue.deadLetterQueue)
            await admin.close()
            throw error
        }
        _ = try await channel.queueDelete(queue.name)
        _ = try await channel.queueDelete(queue.deadLetterQueue)
        await admin.close()
    }

    @Test("an enqueue declares its queue first, and declares it again (one copy, no duplicate) after the queue was deleted")
    func declaresOnDemandAndAgain() async throws {
        let queue = uniqueQueue("client-redeclare")
        let amqp = try brokerConfiguration()
        // No run(): the client connects on demand.
        let client = WarrenClient(configuration: .init(amqp: amqp), logger: Self.quietLogger("warren.test.client"))
        let admin = try await AMQPConnection.connect(amqp)
        let channel = try await admin.openChannel()
        defer { Task { await admin.close() } }
        try await client.enqueue(Echo(text: "first"), to: queue)
        #expect(try await admin.inspectQueue(queue.name)?.messageCount == 1)
        _ = try await channel.queueDelete(queue.name)
        try await client.enqueue(Echo(text: "second"), to: queue)
        let messages = try await drain(queue.name, on: channel)
        #expect(messages.map { String(decoding: $0.body, as: UTF8.self) } == [#"{"text":"second"}"#])
        _ = try await channel.queueDelete(queue.name)
        _ = try await channel.queueDelete(queue.deadLetterQueue)
    }

    @Test("run() ends with the error when the broker refuses the credentials, instead of retrying for ever")
    func wrongCredentialsEndRun() async throws {
        var amqp = try brokerConfiguration()
        amqp.password = "not-the-password"
        let client = WarrenClient(configuration: .init(amqp: amqp), logger: Self.quietLogger("warren.test.client"))
        let error = await #expect(throws: WarrenError.self) {
            try await withTimeLimit(.seconds(20), "run() ends") { try await client.run() }
        }
        #expect(error?.code == .brokerRefused)
        #expect(error?.amqpError?.code == .authenticationFailed)
    }
}
