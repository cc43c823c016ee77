import Foundation
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import Testing
import Warren

/// Fault scenario 3: a proxy of our own (scripts/fault-proxy.py) between the clients and the shared
/// broker resets every connection three times while a producer publishes and a worker consumes.
/// Nothing confirmed may be lost; duplicates are counted and bounded by what was in flight.
@Suite("Fault: connection drops through a proxy", .serialized, .timeLimit(.minutes(3)))
struct ConnectionDropTests {
    @Test("every connection cut three times during publish and consume: nothing lost, duplicates bounded")
    func threeCutsDuringPublishAndConsume() async throws {
        let total = 3000
        // 32 enqueuers, each pausing 20 ms between its enqueues: publishing lasts a few seconds, so
        // the first two cuts find both the producer and the worker busy.
        let enqueuers = 32
        let prefetch: UInt16 = 32
        let concurrency = 16
        let broker = try ProxyScenario.broker()
        let queue = TaskQueue(uniqueName("drops"))
        let ledger = MessageLedger()

        try await ProxyScenario.withProxyAndQueue(broker: broker, queue: queue) { proxy, admin in
            let amqp = ProxyScenario.viaProxy(broker, proxy: proxy, heartbeat: .seconds(2), name: "drops")
            let connections = ProxyScenario.reconnecting(amqp, waitLimit: .seconds(20), logger: faultLogger("warren.fault.drops.producer"))
            let producer = TaskProducer(
                connection: connections,
                configuration: .init(maxOutstandingConfirms: 256, retryLimit: .seconds(30)),
                logger: faultLogger("warren.fault.drops.producer")
            )
            let workerConfiguration = Worker.Configuration(
                amqp: amqp, queue: queue, concurrency: concurrency, prefetch: prefetch, shutdownGracePeriod: .seconds(10),
                reconnectBackoff: Backoff(initial: .milliseconds(50), maximum: .milliseconds(500))
            )

            do {
                try await run()
            } catch {
                await connections.shutdown()
                throw error
            }
            await connections.shutdown()

            func run() async throws {
                try await ProxyScenario.withWorker(workerConfiguration, ledger: ledger, handlerDelay: .milliseconds(10)) {
                    try await waitUntil("the worker consumes", within: .seconds(20)) {
                        try await admin.queueDeclare(queue.name, passive: true).consumerCount == 1
                    }
                    let outcomes = ProxyScenario.EnqueueOutcomes()
                    let started = ContinuousClock.now
                    let publishing = Task {
                        await ProxyScenario.publish(
                            ids: (0..<total).map { "drop-\($0)" }, lanes: enqueuers, producer: producer, queue: queue.name,
                            ledger: ledger, outcomes: outcomes, pause: .milliseconds(20)
                        )
                    }
                    defer { publishing.cancel() }

                    // Three cuts spread over the run: at 20% and 50% confirmed (publishing and consuming),
                    // at 75% processed (consuming, publishing ending). After each, both sides must make
                    // progress again.
                    var recoveries: [String] = []
                    var cutsWhilePublishing = 0
                    let moments: [(String, @Sendable (MessageLedger.Report) -> Bool)] = [
                        ("20% confirmed", { $0.confirmed >= total / 5 }),
                        ("50% confirmed", { $0.confirmed >= total / 2 }),
                        ("75% processed", { $0.processed >= total * 3 / 4 }),
                    ]
                    for (index, (moment, reached)) in moments.enumerated() {
                        try await waitUntil("cut \(index + 1) at \(moment)", within: .seconds(60)) { reached(ledger.report) }
                        let before = ledger.report
                        let publishingDone = outcomes.settled == total
                        if !publishingDone { cutsWhilePublishing += 1 }
                        let cutAt = ContinuousClock.now
                        let cut = try await proxy.cut()
                        #expect(cut >= 1, "cut \(index + 1) found no connection to cut")
                        // Handlers running at the cut may still finish: progress means more than a prefetch.
                        let processedTarget = min(before.processed + Int(prefetch) + 50, total)
                        let confirmedTarget = min(before.confirmed + 50, total)
                        try await waitUntil("progress after cut \(index + 1)", within: .seconds(30)) {
                            let now = ledger.report
                            return now.processed >= processedTarget && (publishingDone || now.confirmed >= confirmedTarget)
                        }
                        let recovery = ContinuousClock.now - cutAt
                        recoveries.append(
                            "cut \(index + 1) at \(moment) (\(before.confirmed) confirmed, \(before.processed) processed, \(cut) connections): both sides moving again after \(recovery)"
                        )
                    }
                    await publishing.value
                    let publishedIn = ContinuousClock.now - started

                    // The end: every confirmed id processed and nothing left in the queue.
                    let confirmedIDs = ledger.report.confirmed
                    try await waitUntil("every confirmed task processed and the queue empty", within: .seconds(60)) {
                        let report = ledger.report
                        guard report.lost == 0, report.processed >= confirmedIDs else { return false }
                        return try await admin.queueDeclare(queue.name, passive: true).messageCount == 0
                    }
                    // Let redeliveries of the last cut show up before counting.
                    try await Task.sleep(for: .milliseconds(500))
                    let report = ledger.report
                    let failed = outcomes.failures
                    print("fault-report drops: \(report)")
                    print("fault-report drops: published in \(publishedIn), total \(ContinuousClock.now - started); enqueues that threw: \(failed.count); producer connections: \(connections.connectionCount); proxy: \(try await proxy.stats())")
                    for line in recoveries { print("fault-report drops: \(line)") }

                    #expect(report.published == total)
                    #expect(report.lost == 0)
                    // With a 30 s retry limit and recoveries of a fraction of a second, no enqueue may
                    // throw (a channel opened on a dying connection is retried too).
                    let threw = failed.count
                    #expect(threw == 0, "enqueues threw within the 30 s retry limit, e.g. \(failed.first.map { "\($0.key): \($0.value)" } ?? "")")
                    // An enqueue that threw is not confirmed.
                    #expect(Set(failed.keys).isDisjoint(with: outcomes.confirmedIDs))
                    #expect(report.confirmed == total - failed.count)
                    #expect(report.deadLettered == 0)
                    #expect(try await admin.queueDeclare(queue.deadLetterQueue, passive: true).messageCount == 0)
                    // Each cut can duplicate at most what was in flight: a prefetch of delivered-but-unacked
                    // tasks, and the publishes awaiting confirms.
                    let bound = 3 * (Int(prefetch) + enqueuers)
                    #expect(report.extraDeliveries <= bound, "\(report.extraDeliveries) extra runs, more than the \(bound) three cuts explain")
                    // The producer reconnects on demand: once per cut that found it publishing.
                    #expect(
                        connections.connectionCount == 1 + cutsWhilePublishing,
                        "the producer opened \(connections.connectionCount) connections; \(cutsWhilePublishing) cuts came while it published"
                    )
                }
            }
        }
    }

    @Test("after a cut the worker starts no delivery it can no longer ack: duplicates only from running handlers")
    func noHandlersForDeadDeliveries() async throws {
        let total = 200
        let prefetch: UInt16 = 40
        let broker = try ProxyScenario.broker()
        let queue = TaskQueue(uniqueName("drops-buffered"))
        let ledger = MessageLedger()

        try await ProxyScenario.withProxyAndQueue(broker: broker, queue: queue) { proxy, admin in
            try await ProxyScenario.publishDirectly(total, prefix: "buffered", broker: broker, queue: queue.name, ledger: ledger)
            let amqp = ProxyScenario.viaProxy(broker, proxy: proxy, heartbeat: .seconds(2), name: "drops-buffered")
            // One handler at a time and a large prefetch: at the cut, one task runs and ~39 wait in
            // the client, delivered on a channel that is now gone.
            let configuration = Worker.Configuration(
                amqp: amqp, queue: queue, concurrency: 1, prefetch: prefetch, shutdownGracePeriod: .seconds(10),
                reconnectBackoff: Backoff(initial: .milliseconds(50), maximum: .milliseconds(100))
            )
            try await ProxyScenario.withWorker(configuration, ledger: ledger, handlerDelay: .milliseconds(25)) {
                try await waitUntil("20 processed", within: .seconds(20)) { ledger.report.processed >= 20 }
                let before = try await proxy.stats()
                let processedAtCut = ledger.report.processed
                let cutAt = ContinuousClock.now
                try await proxy.cut()
                try await waitUntil("the worker reconnects", within: .seconds(20)) {
                    try await proxy.stats().connections > before.connections
                }
                let reconnectAfter = ContinuousClock.now - cutAt
                let processedMeanwhile = ledger.report.processed - processedAtCut
                try await waitUntil("every task processed and the queue empty", within: .seconds(30)) {
                    guard ledger.report.lost == 0 else { return false }
                    return try await admin.queueDeclare(queue.name, passive: true).messageCount == 0
                }
                try await Task.sleep(for: .milliseconds(300))
                let report = ledger.report
                print("fault-report drops-buffered: \(report)")
                print("fault-report drops-buffered: reconnected \(reconnectAfter) after the cut; \(processedMeanwhile) tasks run between the cut and the reconnect")
                #expect(report.lost == 0)
                #expect(report.confirmed == total)
                // Forced: the one handler running at the cut (its ack fails, the task comes back), and
                // at most one more started at the very moment of the cut. The deliveries buffered in
                // the client cannot be acked either: running them only makes duplicates (up to a
                // prefetch) and delays the reconnect by prefetch × handler time.
                #expect(report.extraDeliveries <= 2, "\(report.extraDeliveries) extra runs for one running handler")
                #expect(reconnectAfter < .milliseconds(500), "the worker reconnected only after \(reconnectAfter)")
            }
        }
    }

    @Test("the worker's reconnect back-off starts over after a good session: the fifth cut is recovered as fast as the first")
    func backoffStartsOverAfterRecovery() async throws {
        let broker = try ProxyScenario.broker()
        let queue = TaskQueue(uniqueName("drops-backoff"))
        let ledger = MessageLedger()
        let cuts = 5

        try await ProxyScenario.withProxyAndQueue(broker: broker, queue: queue) { proxy, admin in
            try await ProxyScenario.publishDirectly(3000, prefix: "backoff", broker: broker, queue: queue.name, ledger: ledger)
            let amqp = ProxyScenario.viaProxy(broker, proxy: proxy, heartbeat: .seconds(2), name: "drops-backoff")
            let configuration = Worker.Configuration(
                amqp: amqp, queue: queue, concurrency: 4, prefetch: 8, shutdownGracePeriod: .seconds(10),
                reconnectBackoff: Backoff(initial: .milliseconds(200), maximum: .seconds(5))
            )
            try await ProxyScenario.withWorker(configuration, ledger: ledger, handlerDelay: .milliseconds(20)) {
                var delays: [Duration] = []
                for cut in 1...cuts {
                    // A good session first: it consumed well past its prefetch.
                    let target = ledger.report.processed + 40
                    try await waitUntil("a good session before cut \(cut)", within: .seconds(20)) { ledger.report.processed >= target }
                    let before = try await proxy.stats()
                    let cutAt = ContinuousClock.now
                    try await proxy.cut()
                    try await waitUntil("reconnect after cut \(cut)", within: .seconds(20)) {
                        try await proxy.stats().connections > before.connections
                    }
                    delays.append(ContinuousClock.now - cutAt)
                }
                print("fault-report drops-backoff: reconnect delays after \(cuts) cuts, each after a good session: \(delays.map { "\($0)" }.joined(separator: ", ")) (back-off 200 ms … 5 s)")
                // Each loss follows a session that worked: the first back-off step (100–200 ms) applies.
                for (index, delay) in delays.enumerated() {
                    #expect(delay < .milliseconds(700), "reconnect \(index + 1) took \(delay)")
                }
            }
        }
    }
}

// MARK: - Shared by the proxy scenarios (drops, stall)

/// Helpers for the fault tests that put scripts/fault-proxy.py between the clients and the broker.
enum ProxyScenario {
    /// The task these scenarios send: an id, recorded by the handler; `padding` makes it big.
    struct Tick: WarrenTask {
        static let name = "proxy-tick"
        var id: String
        var padding: String?
    }

    /// The shared broker (`AMQP_URL`, else the local default).
    static func broker() throws -> AMQPConnection.Configuration {
        var configuration = try AMQPConnection.Configuration.fromEnvironment()
        configuration.connectionName = "warren-fault-proxy-admin"
        return configuration
    }

    /// `broker` reached through `proxy`, with fast failure detection.
    static func viaProxy(
        _ broker: AMQPConnection.Configuration,
        proxy: FaultProxy,
        heartbeat: Duration,
        connectTimeout: Duration = .seconds(3),
        name: String
    ) -> AMQPConnection.Configuration {
        var configuration = broker
        configuration.host = "127.0.0.1"
        configuration.port = proxy.port
        configuration.heartbeat = heartbeat
        configuration.connectTimeout = connectTimeout
        configuration.callTimeout = .seconds(10)
        configuration.connectionName = "warren-fault-\(name)"
        return configuration
    }

    /// A reconnecting connection to `amqp` that tries again fast (50 ms doubling to 0.5 s), as the
    /// producers of the proxy scenarios use.
    static func reconnecting(_ amqp: AMQPConnection.Configuration, waitLimit: Duration, logger: Logger) -> ReconnectingConnection {
        ReconnectingConnection(
            configuration: .init(
                endpoints: [amqp], backoff: Backoff(initial: .milliseconds(50), maximum: .milliseconds(500)), waitLimit: waitLimit
            ),
            logger: logger
        )
    }

    /// Starts a proxy to `broker`, declares `queue` on a direct connection, runs `body` with the proxy
    /// and a direct channel, and then, whatever happens, stops the proxy and deletes the queues.
    static func withProxyAndQueue<Result: Sendable>(
        broker: AMQPConnection.Configuration,
        queue: TaskQueue,
        _ body: (FaultProxy, AMQPChannel) async throws -> Result
    ) async throws -> Result {
        let host = broker.host.contains(":") ? "[\(broker.host)]" : broker.host
        let proxy = try await FaultProxy.start(target: "\(host):\(broker.port)")
        defer { proxy.stop() }
        let admin = try await AMQPConnection.connect(broker)
        func cleanUp() async {
            proxy.stop()
            if let channel = try? await admin.openChannel() {
                _ = try? await channel.queueDelete(queue.name)
                _ = try? await channel.queueDelete(queue.deadLetterQueue)
            }
            await admin.close()
        }
        do {
            try await TaskProducer(connection: admin).declare(queue)
            let channel = try await admin.openChannel()
            let result = try await body(proxy, channel)
            await cleanUp()
            return result
        } catch {
            await cleanUp()
            throw error
        }
    }

    /// Runs a worker with `configuration` whose handler records each tick in `ledger`, until `body`
    /// returns or throws; then shuts it down gracefully (bounded) and cancels it.
    static func withWorker<Result: Sendable>(
        _ configuration: Worker.Configuration,
        ledger: MessageLedger,
        handlerDelay: Duration = .zero,
        _ body: () async throws -> Result
    ) async throws -> Result {
        var tasks = TaskRegistry()
        tasks.register(Tick.self) { tick, _ in
            if handlerDelay > .zero { try await Task.sleep(for: handlerDelay) }
            ledger.processed(tick.id)
        }
        let worker = Worker(configuration: configuration, tasks: tasks, logger: faultLogger("warren.fault.worker"))
        return try await testGracefulShutdown { trigger in
            let running = Task {
                try await withGracefulShutdownHandler { try await worker.run() } onGracefulShutdown: {}
            }
            func stop() async {
                trigger.triggerGracefulShutdown()
                do {
                    try await withTimeLimit(.seconds(30), "worker shutdown") { try await running.value }
                } catch {
                    Issue.record("the worker did not stop cleanly: \(error)")
                }
                running.cancel()
            }
            do {
                let result = try await body()
                await stop()
                return result
            } catch {
                await stop()
                throw error
            }
        }
    }

    /// Enqueues `count` ticks `prefix-N` straight to the broker (no proxy), recording them in `ledger`.
    static func publishDirectly(_ count: Int, prefix: String, broker: AMQPConnection.Configuration, queue: String, ledger: MessageLedger) async throws {
        let direct = try await AMQPConnection.connect(broker)
        let outcomes = EnqueueOutcomes()
        await publish(
            ids: (0..<count).map { "\(prefix)-\($0)" }, lanes: 16, producer: TaskProducer(connection: direct), queue: queue,
            ledger: ledger, outcomes: outcomes
        )
        await direct.close()
        if let failure = outcomes.failures.first {
            throw FaultProxyError(description: "publishing \(prefix) directly failed: \(failure.key): \(failure.value)")
        }
    }

    /// What became of each enqueue: returned (confirmed) or threw, with the error.
    final class EnqueueOutcomes: Sendable {
        private let state = Mutex<(confirmed: Set<String>, failed: [String: String])>(([], [:]))
        func confirmed(_ id: String) { state.withLock { _ = $0.confirmed.insert(id) } }
        func failed(_ id: String, _ error: any Error) { state.withLock { $0.failed[id] = "\(error)" } }
        var confirmedIDs: Set<String> { state.withLock { $0.confirmed } }
        var failures: [String: String] { state.withLock { $0.failed } }
        /// Enqueues that returned or threw.
        var settled: Int { state.withLock { $0.confirmed.count + $0.failed.count } }
    }

    /// Enqueues `ids` from `lanes` concurrent enqueuers, each awaiting its confirms one by one; records
    /// each id as published before and confirmed after (in `ledger` and `outcomes`), and the ones that
    /// threw in `outcomes`.
    static func publish(
        ids: [String],
        lanes: Int,
        producer: TaskProducer,
        queue: String,
        ledger: MessageLedger,
        outcomes: EnqueueOutcomes,
        pause: Duration = .zero,
        padding: String? = nil
    ) async {
        await withDiscardingTaskGroup { group in
            for lane in 0..<lanes {
                group.addTask {
                    for index in stride(from: lane, to: ids.count, by: lanes) {
                        if Task.isCancelled { return }
                        let id = ids[index]
                        ledger.published(id)
                        do {
                            try await producer.enqueue(Tick(id: id, padding: padding), to: queue, options: EnqueueOptions(messageID: id))
                            ledger.confirmed(id)
                            outcomes.confirmed(id)
                        } catch {
                            outcomes.failed(id, error)
                        }
                        if pause > .zero { try? await Task.sleep(for: pause) }
                    }
                }
            }
        }
    }
}
