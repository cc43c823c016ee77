import Foundation
import InMemoryTracing
import Logging
import ServiceLifecycle
import Testing
import Tracing
import Warren

@Suite("Tracing")
struct TracingTests {
    private static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .error
        return logger
    }

    @Test("request → publish span → a process span per attempt (its child, in the same trace) → the handler's own span; the retry and its error are on the first attempt's span")
    func traceCrossesTheQueue() async throws {
        let tracer = InMemoryTracer()
        let queue = uniqueQueue("tracing")
        let amqp = try brokerConfiguration()
        let client = WarrenClient(configuration: .init(amqp: amqp, queues: [queue], tracer: tracer), logger: Self.quietLogger("warren.test.client"))
        var tasks = TaskRegistry()
        tasks.register(Echo.self) { task, context in
            // The handler's spans nest under the attempt's span.
            try tracer.withSpan("send email") { _ in
                if context.attempt == 1 { throw TestFailure(text: "mail server busy") }
            }
        }
        let worker = client.worker(for: queue, tasks: tasks, logger: Self.quietLogger("warren.test.worker")) {
            $0.retryPolicy = fastRetries(2, initial: .milliseconds(100))
        }
        let group = ServiceGroup(services: [client, worker], logger: Self.quietLogger("warren.test.group"))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        _ = try await tracer.withSpan("POST /signup") { _ in
            try await client.enqueue(Echo(text: "hi"), to: queue, options: .init(messageID: "traced-1"))
        }
        try await waitUntil("two attempts traced", within: .seconds(15)) {
            tracer.finishedSpans.filter { $0.operationName == "process echo" }.count == 2
        }
        await group.triggerGracefulShutdown()
        _ = try? await running.value

        let spans = tracer.finishedSpans
        let request = try #require(spans.first { $0.operationName == "POST /signup" })
        let publish = try #require(spans.first { $0.operationName == "publish \(queue.name)" })
        // Finished in order: the second attempt starts after the first ended.
        let attempts = spans.filter { $0.operationName == "process echo" }
        let sends = spans.filter { $0.operationName == "send email" }

        #expect(publish.kind == .producer)
        #expect(publish.traceID == request.traceID && publish.parentSpanID == request.spanID)
        #expect(publish.attributes["messaging.system"]?.toSpanAttribute() == "rabbitmq")
        #expect(publish.attributes["messaging.message.id"]?.toSpanAttribute() == "traced-1")
        #expect(attempts.count == 2)
        #expect(attempts.map { $0.attributes["warren.attempt"]?.toSpanAttribute() } == [1, 2])
        for attempt in attempts {
            #expect(attempt.kind == .consumer)
            #expect(attempt.traceID == request.traceID, "one trace from the request to each attempt")
            #expect(attempt.parentSpanID == publish.spanID, "each attempt is the child of the publish")
            #expect(attempt.attributes["messaging.destination.name"]?.toSpanAttribute() == .string(queue.name))
        }
        #expect(attempts.first?.attributes["warren.outcome"]?.toSpanAttribute() == "retry")
        #expect(attempts.first?.status?.code == .error)
        #expect(attempts.first?.errors.count == 1)
        #expect(attempts.last?.attributes["warren.outcome"]?.toSpanAttribute() == "succeeded")
        #expect(attempts.last?.status == nil)
        #expect(Set(sends.map(\.parentSpanID)) == Set(attempts.map(\.spanID)), "the handler's spans nest in their attempt's")

        let cleaner = try await AMQPConnection.connect(amqp)
        let channel = try await cleaner.openChannel()
        _ = try? await channel.queueDelete(queue.name)
        _ = try? await channel.queueDelete(queue.deadLetterQueue)
        await cleaner.close()
    }

    @Test("a task published without trace headers (another language's producer) starts a new trace")
    func untracedMessageStartsATrace() async throws {
        let tracer = InMemoryTracer()
        let queue = uniqueQueue("tracing-plain")
        let ran = Recorder<String>()
        var tasks = TaskRegistry()
        tasks.register(Echo.self) { task, _ in ran.append(task.text) }
        try await withWorker(queue: queue, tasks: tasks, configure: { $0.tracer = tracer }) { producer, _ in
            // The harness's producer has no tracer: no headers.
            try await producer.enqueue(Echo(text: "plain"), to: queue.name)
            try await waitUntil("the task ran", within: .seconds(10)) { ran.count == 1 }
            try await waitUntil("its span ended", within: .seconds(5)) { !tracer.finishedSpans.isEmpty }
        }
        let span = try #require(tracer.finishedSpans.first { $0.operationName == "process echo" })
        #expect(span.parentSpanID == nil)
        #expect(span.attributes["warren.outcome"]?.toSpanAttribute() == "succeeded")
    }
}
