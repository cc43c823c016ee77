import Foundation
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import Testing
import Warren
@_exported import WarrenTestSupport

/// The broker the tests use: `AMQP_URL`, else the local default.
func brokerConfiguration() throws -> AMQPConnection.Configuration {
    var configuration = try AMQPConnection.Configuration.fromEnvironment()
    configuration.connectionName = "warren-task-tests"
    return configuration
}

/// A task queue name no other test uses.
func uniqueQueue(_ what: String) -> TaskQueue {
    TaskQueue("warren-test-\(what)-\(UInt32.random(in: 0...UInt32.max))")
}

/// A fast retry policy for tests: no jitter, short delays.
func fastRetries(_ attempts: Int, initial: Duration = .milliseconds(300), multiplier: Double = 2) -> RetryPolicy {
    RetryPolicy(maxAttempts: attempts, initialDelay: initial, multiplier: multiplier, maxDelay: .seconds(5), jitter: 0)
}

/// Everything a test needs: a producer, a channel for inspection, and a running worker that is shut
/// down gracefully (and the queues deleted) when `body` ends.
func withWorker<Result: Sendable>(
    queue: TaskQueue,
    tasks: TaskRegistry,
    configure: (inout Worker.Configuration) -> Void = { _ in },
    _ body: (TaskProducer, AMQPChannel) async throws -> Result
) async throws -> Result {
    let amqp = try brokerConfiguration()
    var configuration = Worker.Configuration(amqp: amqp, queue: queue, retryPolicy: fastRetries(3))
    configure(&configuration)
    var logger = Logger(label: "warren.test.worker")
    logger.logLevel = .warning
    let worker = Worker(configuration: configuration, tasks: tasks, logger: logger)
    let connection = try await AMQPConnection.connect(amqp)
    defer { Task { await connection.close() } }
    let producer = TaskProducer(connection: connection)
    // Declare first, so that the producer can enqueue before the worker is up.
    try await producer.declare(queue)
    let channel = try await connection.openChannel()

    return try await testGracefulShutdown { trigger in
        let running = Task {
            try await withGracefulShutdownHandler {
                try await worker.run()
            } onGracefulShutdown: {}
        }
        func cleanUp() async {
            trigger.triggerGracefulShutdown()
            _ = try? await withTimeLimit(.seconds(40), "worker shutdown") { try await running.value }
            running.cancel()
            if let cleaner = try? await connection.openChannel() {
                _ = try? await cleaner.queueDelete(queue.name)
                _ = try? await cleaner.queueDelete(queue.deadLetterQueue)
            }
            await connection.close()
        }
        do {
            let result = try await body(producer, channel)
            await cleanUp()
            return result
        } catch {
            await cleanUp()
            throw error
        }
    }
}

/// Takes every message now in a queue (acking them), for inspection.
func drain(_ queue: String, on channel: AMQPChannel) async throws -> [AMQPDelivery] {
    var messages: [AMQPDelivery] = []
    while let delivery = try await channel.get(queue: queue, noAck: true) { messages.append(delivery) }
    return messages
}

/// A thread-safe log of what handlers saw.
final class Recorder<Entry: Sendable>: Sendable {
    private let entries = Mutex<[Entry]>([])
    func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }
    var all: [Entry] { entries.withLock { $0 } }
    var count: Int { entries.withLock { $0.count } }
}
