import Foundation
import Synchronization
import Warren

/// One end-to-end test's world: unique queue and exchange names, a temporary directory with the
/// SQLite file, the target server, and the `webhook-service` and `webhook-worker` processes.
///
/// ``run(_:worker:_:)`` always cleans up, whether the test returned or threw: it kills the
/// processes, stops the target, deletes the queues and the exchange, and removes the directory.
final class Harness: Sendable {
    /// The task queue (unique per run).
    let taskQueue: String
    /// The service's events queue.
    var eventsQueue: String { taskQueue + ".events" }
    /// The events exchange (unique per run, so no other test's events arrive).
    var eventsExchange: String { taskQueue + ".events-exchange" }
    /// The temporary directory.
    let directory: URL
    /// The SQLite file.
    var databasePath: String { directory.appendingPathComponent("jobs.sqlite").path }
    /// The webhook receiver.
    let target: TargetServer
    /// The broker URL.
    let amqpURL: String
    /// Extra environment for workers.
    let workerEnvironment: [String: String]

    private let processes = Mutex<[ChildProcess]>([])
    private let workerProcesses = Mutex<[ChildProcess]>([])
    private let currentService = Mutex<(ChildProcess, APIClient)?>(nil)

    private init(taskQueue: String, directory: URL, target: TargetServer, amqpURL: String, workerEnvironment: [String: String]) {
        self.taskQueue = taskQueue
        self.directory = directory
        self.target = target
        self.amqpURL = amqpURL
        self.workerEnvironment = workerEnvironment
    }

    /// Runs `body` in a fresh world with a service and a worker started (unless `startWorker` is
    /// false), then cleans up on every path.
    static func run(
        _ name: String,
        worker workerEnvironment: [String: String] = [:],
        startWorker: Bool = true,
        _ body: (Harness) async throws -> Void
    ) async throws {
        let taskQueue = "webhook-test-\(name)-\(UInt32.random(in: 0...UInt32.max))"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(taskQueue)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let target = try await TargetServer.start()
        let amqpURL = ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2F"
        let harness = Harness(
            taskQueue: taskQueue, directory: directory, target: target, amqpURL: amqpURL, workerEnvironment: workerEnvironment
        )
        do {
            try await harness.startService()
            if startWorker { try await harness.startWorker() }
            try await body(harness)
        } catch {
            harness.printLogs()
            await harness.cleanUp()
            throw error
        }
        await harness.cleanUp()
    }

    // MARK: - Processes

    private var sharedEnvironment: [String: String] {
        [
            "AMQP_URL": amqpURL, "WEBHOOK_TASK_QUEUE": taskQueue, "WEBHOOK_EVENTS_EXCHANGE": eventsExchange,
            "LOG_LEVEL": "debug",
        ]
    }

    /// The running service's API.
    var api: APIClient {
        get throws {
            guard let (_, api) = currentService.withLock({ $0 }) else { throw TimedOut(description: "no service is running") }
            return api
        }
    }

    /// The running service's process.
    var service: ChildProcess? { currentService.withLock { $0?.0 } }

    /// Starts `webhook-service` on a free port and waits until it is ready: subscribed to events and
    /// the task queue declared.
    func startService() async throws {
        var environment = sharedEnvironment
        environment["WEBHOOK_EVENTS_QUEUE"] = eventsQueue
        let process = try ChildProcess(
            "webhook-service", arguments: ["--port", "0", "--db", databasePath], environment: environment, directory: directory
        )
        processes.withLock { $0.append(process) }
        let port = try await eventually("webhook-service to listen", within: .seconds(20)) { () -> Int? in
            guard process.isRunning else { throw TimedOut(description: "webhook-service exited: \(process.stderr)") }
            let line = process.stdout.split(separator: "\n").first { $0.hasPrefix("listening on http://") }
            return line.flatMap { $0.split(separator: ":").last }.flatMap { Int($0) }
        }
        let api = APIClient(baseURL: "http://127.0.0.1:\(port)")
        _ = try await eventually("webhook-service to be ready", within: .seconds(20)) { () -> Bool? in
            let health = try? await api.get("/healthz")
            return health?.string("events") == "subscribed" && health?.string("task_queue") == "declared" ? true : nil
        }
        currentService.withLock { $0 = (process, api) }
    }

    /// Stops the service with SIGTERM and waits for it; returns true when it exited by itself.
    @discardableResult
    func stopService() async -> Bool {
        guard let (process, _) = currentService.withLock({ current in defer { current = nil }; return current }) else { return true }
        let graceful = await process.stop()
        if !graceful {
            print("----- webhook-service did not stop within 10 s of SIGTERM; its log:\n\(process.stderr.suffix(6000))")
        }
        return graceful
    }

    /// Starts a `webhook-worker` and waits until it consumes the task queue.
    @discardableResult
    func startWorker() async throws -> ChildProcess {
        let consumersBefore = try await consumerCount()
        var environment = sharedEnvironment
        for (key, value) in workerEnvironment { environment[key] = value }
        let process = try ChildProcess("webhook-worker", environment: environment, directory: directory)
        processes.withLock { $0.append(process) }
        workerProcesses.withLock { $0.append(process) }
        _ = try await eventually("webhook-worker to consume", within: .seconds(20)) { () -> Bool? in
            guard process.isRunning else { throw TimedOut(description: "webhook-worker exited: \(process.stderr)") }
            return try await consumerCount() > consumersBefore ? true : nil
        }
        return process
    }

    /// The workers started so far, oldest first.
    var workers: [ChildProcess] { workerProcesses.withLock { $0 } }

    // MARK: - Broker

    private func withBroker<Result: Sendable>(_ body: (AMQPChannel) async throws -> Result) async throws -> Result {
        let connection = try await AMQPConnection.connect(try AMQPConnection.Configuration(url: amqpURL))
        do {
            let result = try await connection.withChannel(body)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Consumers of the task queue (0 when it does not exist yet).
    func consumerCount() async throws -> UInt32 {
        do {
            return try await withBroker { try await $0.queueDeclare(taskQueue, passive: true).consumerCount }
        } catch let error as AMQPError where error.replyCode == 404 {
            return 0
        }
    }

    /// Messages waiting in `queue`, nil when it does not exist.
    func depth(_ queue: String) async throws -> UInt32? {
        do {
            return try await withBroker { try await $0.queueDeclare(queue, passive: true).messageCount }
        } catch let error as AMQPError where error.replyCode == 404 {
            return nil
        }
    }

    // MARK: - Clean-up

    private func cleanUp() async {
        for process in processes.withLock({ $0 }) { process.kill() }
        await target.stop()
        let queues = [taskQueue, taskQueue + ".dead", eventsQueue]
        let exchange = eventsExchange
        do {
            try await withBroker { channel in
                for queue in queues { _ = try await channel.queueDelete(queue) }
                try await channel.exchangeDelete(exchange)
            }
        } catch {
            print("[harness] could not delete the test's queues: \(error)")
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Prints the tail of every process's log, for a failed test.
    func printLogs() {
        for process in processes.withLock({ $0 }) {
            print("----- \(process.name) (pid \(process.pid)) stdout -----\n\(process.stdout.suffix(3000))")
            print("----- \(process.name) (pid \(process.pid)) stderr -----\n\(process.stderr.suffix(6000))")
        }
    }
}
