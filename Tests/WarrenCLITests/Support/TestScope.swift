import Foundation
import Synchronization
import Warren

/// One test's resources: a unique task queue name, a temporary directory, the `warren` processes
/// it starts and a broker connection. ``run(_:_:)`` always cleans up: kills leftover processes
/// (and process groups the test's commands recorded), deletes the queues and the directory.
final class TestScope: Sendable {
    /// The test's task queue (unique per test run).
    let queue: String
    /// Its dead-letter queue.
    var deadQueue: String { queue + ".dead" }
    /// A private temporary directory.
    let directory: URL
    /// The broker connection for inspecting queues.
    let connection: AMQPConnection
    /// The broker URL the processes use.
    let amqpURL: String

    private let processes = Mutex<[CLIProcess]>([])
    private let groups = Mutex<Set<Int32>>([])

    private init(queue: String, directory: URL, connection: AMQPConnection, amqpURL: String) {
        self.queue = queue
        self.directory = directory
        self.connection = connection
        self.amqpURL = amqpURL
    }

    /// The broker's management API: `WARREN_MANAGEMENT_URL` when set (a node of its own, e.g. the
    /// matrix's RabbitMQ 4.x), else `nil` (the CLI's default, the AMQP host on port 15672).
    static var managementURL: String? {
        ProcessInfo.processInfo.environment["WARREN_MANAGEMENT_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Runs `body` with a fresh scope named after `name`, then cleans up, whether it returned or threw.
    static func run(_ name: String, _ body: (TestScope) async throws -> Void) async throws {
        let queue = "warren-cli-test-\(name)-\(UInt32.random(in: 0...UInt32.max))"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(queue)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configuration = try AMQPConnection.Configuration.fromEnvironment()
        let url = ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2F"
        let connection = try await AMQPConnection.connect(configuration)
        let scope = TestScope(queue: queue, directory: directory, connection: connection, amqpURL: url)
        do {
            try await body(scope)
        } catch {
            await scope.cleanUp()
            throw error
        }
        await scope.cleanUp()
    }

    /// Starts `warren ARGUMENTS` (killed at cleanup if still running).
    /// `environment` is added to the test's (after `AMQP_URL`).
    func start(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> CLIProcess {
        let merged = ["AMQP_URL": amqpURL].merging(environment) { $1 }
        let process = try CLIProcess(arguments, environment: merged, stdin: stdin, directory: directory)
        processes.withLock { $0.append(process) }
        return process
    }

    /// Runs `warren ARGUMENTS` to completion (killed after `limit`).
    func run(
        _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], within limit: Duration = .seconds(20)
    ) async throws -> CLIResult {
        let process = try start(arguments, stdin: stdin, environment: environment)
        let status = await process.waitForExit(within: limit)
        return CLIResult(status: status, stdout: process.stdout, stderr: process.stderr)
    }

    /// Starts `warren worker` on the test's queue with `--exec command` and further options.
    func startWorker(exec command: String, _ options: [String] = []) throws -> CLIProcess {
        try start(["worker", "--queue", queue, "--exec", command, "--log-level", "warning"] + options)
    }

    /// Records a process group a command started, to kill at cleanup.
    func recordGroup(_ group: Int32) {
        groups.withLock { _ = $0.insert(group) }
    }

    /// The file commands append their process group to (`echo $$ >> FILE`); cleanup kills them.
    var groupsFile: URL { file("pgids") }

    /// A shell snippet recording the command's process group in ``groupsFile``.
    var recordGroupSnippet: String { "echo $$ >> '\(groupsFile.path)'" }

    /// The process groups recorded in ``groupsFile``.
    var recordedGroups: [Int32] { lines(of: groupsFile).compactMap { Int32($0) } }

    /// A file in the scope's directory.
    func file(_ name: String) -> URL {
        directory.appendingPathComponent(name)
    }

    /// Declares the test queue's topology, as a worker does.
    func declareQueue() async throws {
        try await connection.withChannel { channel in
            try await Topology().declare(TaskQueue(queue), on: channel)
        }
    }

    /// Ready messages in `queue`, nil when it does not exist.
    func depth(_ queue: String) async throws -> UInt32? {
        do {
            return try await connection.withChannel { try await $0.queueDeclare(queue, passive: true).messageCount }
        } catch let error as AMQPError where error.replyCode == 404 {
            return nil
        }
    }

    /// The messages of `queue`, fetched without ack and returned to it when the channel closes.
    func peek(_ queue: String) async throws -> [AMQPDelivery] {
        try await connection.withChannel { channel in
            var deliveries: [AMQPDelivery] = []
            while let delivery = try await channel.get(queue: queue) { deliveries.append(delivery) }
            return deliveries
        }
    }

    /// Enqueues a task directly (not through the tool).
    @discardableResult
    func enqueue(_ body: String = "{}", task: String = "test-task", options: EnqueueOptions = EnqueueOptions()) async throws -> String {
        let producer = TaskProducer(connection: connection)
        return try await producer.enqueue(body: Array(body.utf8), taskName: task, to: queue, options: options).messageID
    }

    private func cleanUp() async {
        for process in processes.withLock({ $0 }) { process.killIfRunning() }
        for group in groups.withLock({ $0 }).union(recordedGroups) { kill(-group, SIGKILL) }
        for process in processes.withLock({ $0 }) { await process.waitForExit(within: .seconds(5)) }
        try? await connection.withChannel { channel in
            _ = try await channel.queueDelete(queue)
        }
        try? await connection.withChannel { channel in
            _ = try await channel.queueDelete(deadQueue)
        }
        await connection.close()
        try? FileManager.default.removeItem(at: directory)
    }
}
