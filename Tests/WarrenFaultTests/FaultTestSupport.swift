import Foundation
import Logging
import ServiceLifecycleTestKit
import Warren
@_exported import WarrenTestSupport

/// Broker ports the fault tests use, one per test, so that they never collide:
/// 5683 broker restart, 5684/5685 TLS (plain/TLS), 5686 memory alarm, 5687 worker kill,
/// 5691–5693 the cluster. The proxy tests use the shared broker behind a proxy of their own.
enum FaultPorts {
    static let restart = 5683
    static let tlsPlain = 5684
    static let tls = 5685
    static let alarm = 5686
    static let workerKill = 5687
    static let cluster = [5691, 5692, 5693]
}

/// A logger for fault tests: warnings and above, so a run shows losses and recoveries.
func faultLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}

/// The task every fault test sends: just an id, which the handler records.
struct Probe: WarrenTask {
    static let name = "probe"
    var id: String
}

/// A configuration for a private node on `port`, with fast failure detection.
func nodeConfiguration(port: Int, heartbeat: Duration = .seconds(5)) throws -> AMQPConnection.Configuration {
    var configuration = try AMQPConnection.Configuration(url: "amqp://guest:guest@127.0.0.1:\(port)/%2F")
    configuration.heartbeat = heartbeat
    configuration.connectTimeout = .seconds(2)
    configuration.callTimeout = .seconds(10)
    configuration.connectionName = "warren-fault-tests"
    return configuration
}

/// Publishes `count` probes from `concurrency` concurrent enqueuers, recording each in the ledger.
/// Returns the number of enqueues that threw (after the producer's own retrying).
func publishProbes(
    _ count: Int,
    prefix: String,
    concurrency: Int,
    producer: TaskProducer,
    queue: String,
    ledger: MessageLedger
) async -> Int {
    await withTaskGroup(of: Int.self) { group in
        for lane in 0..<concurrency {
            group.addTask {
                var failed = 0
                for index in stride(from: lane, to: count, by: concurrency) {
                    let id = "\(prefix)-\(index)"
                    ledger.published(id)
                    do {
                        try await producer.enqueue(Probe(id: id), to: queue, options: EnqueueOptions(messageID: id))
                        ledger.confirmed(id)
                    } catch {
                        failed += 1
                    }
                }
                return failed
            }
        }
        return await group.reduce(0, +)
    }
}

/// Runs a worker for `queue` on `amqp` that records every probe it processes, until `body` returns;
/// then shuts it down gracefully.
func withProbeWorker<Result: Sendable>(
    amqp: AMQPConnection.Configuration,
    queue: TaskQueue,
    ledger: MessageLedger,
    concurrency: Int = 32,
    prefetch: UInt16 = 256,
    handlerDelay: Duration = .zero,
    _ body: () async throws -> Result
) async throws -> Result {
    var tasks = TaskRegistry()
    tasks.register(Probe.self) { probe, _ in
        if handlerDelay > .zero { try await Task.sleep(for: handlerDelay) }
        ledger.processed(probe.id)
    }
    let configuration = Worker.Configuration(
        amqp: amqp,
        queue: queue,
        concurrency: concurrency,
        prefetch: prefetch,
        shutdownGracePeriod: .seconds(10),
        reconnectBackoff: Backoff(initial: .milliseconds(100), maximum: .seconds(1))
    )
    let worker = Worker(configuration: configuration, tasks: tasks, logger: faultLogger("warren.fault.worker"))
    return try await runningWorker(worker, body)
}

/// Runs `worker` while `body` runs, then shuts it down gracefully (bounded), also when `body` throws.
func runningWorker<Result: Sendable>(_ worker: Worker, _ body: () async throws -> Result) async throws -> Result {
    try await testGracefulShutdown { trigger in
        let running = Task { try await worker.run() }
        defer { running.cancel() }
        do {
            let result = try await body()
            trigger.triggerGracefulShutdown()
            try await withTimeLimit(.seconds(30), "worker shutdown") { try await running.value }
            return result
        } catch {
            trigger.triggerGracefulShutdown()
            _ = try? await withTimeLimit(.seconds(30), "worker shutdown") { try await running.value }
            throw error
        }
    }
}
