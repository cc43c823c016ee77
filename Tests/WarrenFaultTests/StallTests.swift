import Foundation
import Logging
import Synchronization
import Testing
import Warren

/// Fault scenario 4: the proxy stops forwarding without closing anything, as a dead network path
/// does. With a 2 s heartbeat the client must notice within about two heartbeat intervals
/// (rabbitmq-c gives up after two silent intervals), then recover on a new connection once the path
/// works again, losing nothing it confirmed. The stalled connections are never resumed.
@Suite("Fault: stalled network through a proxy", .serialized, .timeLimit(.minutes(3)))
struct StallTests {
    static let heartbeat: Duration = .seconds(2)
    /// Bounds the handshake of a reconnect attempt that lands on the stalled proxy.
    static let connectTimeout: Duration = .seconds(3)
    /// Detection must come within three heartbeat intervals, plus this for scheduling.
    static let detectionSlack: Duration = .seconds(1)

    @Test("a producer notices a stall within ~2 heartbeats, reconnects once the path works, and loses nothing confirmed")
    func producerDetectsStallAndRecovers() async throws {
        let broker = try ProxyScenario.broker()
        let queue = TaskQueue(uniqueName("stall-producer"))
        let ledger = MessageLedger()
        let lanes = 8

        try await ProxyScenario.withProxyAndQueue(broker: broker, queue: queue) { proxy, admin in
            let amqp = ProxyScenario.viaProxy(
                broker, proxy: proxy, heartbeat: Self.heartbeat, connectTimeout: Self.connectTimeout, name: "stall-producer"
            )
            let connections = ProxyScenario.reconnecting(amqp, waitLimit: .seconds(30), logger: faultLogger("warren.fault.stall.producer"))
            let producer = TaskProducer(
                connection: connections,
                configuration: .init(maxOutstandingConfirms: 256, retryLimit: .seconds(60)),
                logger: faultLogger("warren.fault.stall.producer")
            )
            let outcomes = ProxyScenario.EnqueueOutcomes()
            let stop = StopFlag()
            let publishing = Task {
                await Self.publishUntilStopped(
                    prefix: "stall", lanes: lanes, pause: .milliseconds(10), limit: 20_000, producer: producer,
                    queue: queue.name, ledger: ledger, outcomes: outcomes, stop: stop
                )
            }
            func finish() async {
                stop.set()
                _ = try? await withTimeLimit(.seconds(90), "the publishers stop") { await publishing.value }
                await connections.shutdown()
            }
            do {
                try await waitUntil("the first confirms", within: .seconds(20)) { ledger.report.confirmed >= 100 }
                let connection = try await connections.connection()
                #expect(connection.negotiatedHeartbeat == 2)

                let before = try await proxy.stats()
                let stalledAt = ContinuousClock.now
                try await proxy.stall()
                let confirmedAtStall = ledger.report.confirmed
                let reason = try await withTimeLimit(Self.heartbeat * 3 + .seconds(10), "the stall is detected") {
                    await connection.closed()
                }
                let detection = ContinuousClock.now - stalledAt
                let confirmedDuringStall = ledger.report.confirmed - confirmedAtStall

                // The reconnect attempt lands on the stalled proxy too; let the path work again for
                // new connections only: that attempt's handshake must time out and the next succeed.
                try await waitUntil("a reconnect attempt", within: .seconds(10)) {
                    try await proxy.stats().connections > before.connections
                }
                let attemptAt = ContinuousClock.now - stalledAt
                try await proxy.resume(onlyNew: true)
                let confirmedAtResume = ledger.report.confirmed
                try await waitUntil("confirms again", within: Self.connectTimeout + .seconds(15)) {
                    ledger.report.confirmed >= confirmedAtResume + 50
                }
                let recovery = ContinuousClock.now - stalledAt
                try await Task.sleep(for: .milliseconds(300))
                await finish()

                // Count what reached the queue: every confirmed id must be there.
                let drained = try await Self.drainIDs(queue.name, on: admin, into: ledger)
                let report = ledger.report
                let failed = outcomes.failures
                print("fault-report stall-producer: \(report)")
                print(
                    "fault-report stall-producer: detection \(detection) (heartbeat \(Self.heartbeat)); reason: \(reason); reconnect attempt seen at \(attemptAt); confirms again \(recovery) after the stall; \(confirmedDuringStall) confirms arrived after the stall began; producer connections \(connections.connectionCount); \(drained) messages drained; enqueues that threw: \(failed.count); proxy: \(try await proxy.stats())"
                )

                #expect(reason.code == .connectionLost, "\(reason)")
                #expect(detection <= Self.heartbeat * 3 + Self.detectionSlack, "detection took \(detection)")
                #expect(detection >= Self.heartbeat, "detected after \(detection): too early for a heartbeat timeout")
                #expect(recovery <= Self.heartbeat * 3 + Self.detectionSlack + Self.connectTimeout + .seconds(3))
                #expect(report.lost == 0)
                // No enqueue may throw within its 60 s retry limit.
                let threw = failed.count
                #expect(threw == 0, "enqueues threw, e.g. \(failed.first.map { "\($0.key): \($0.value)" } ?? "")")
                #expect(Set(failed.keys).isDisjoint(with: outcomes.confirmedIDs))
                // Re-published after the stall: at most what was awaiting confirms then.
                #expect(report.extraDeliveries <= lanes, "\(report.extraDeliveries) duplicates")
                #expect(connections.connectionCount == 2)
            } catch {
                await finish()
                throw error
            }
        }
    }

    @Test("a worker notices a stall within ~2 heartbeats, resumes consuming on a new connection, and loses nothing")
    func workerDetectsStallAndRecovers() async throws {
        let broker = try ProxyScenario.broker()
        let queue = TaskQueue(uniqueName("stall-worker"))
        let ledger = MessageLedger()
        let total = 600
        let prefetch: UInt16 = 8
        let concurrency = 4

        try await ProxyScenario.withProxyAndQueue(broker: broker, queue: queue) { proxy, admin in
            // The tasks go in directly; only the worker goes through the proxy.
            try await ProxyScenario.publishDirectly(total, prefix: "stall-worker", broker: broker, queue: queue.name, ledger: ledger)

            let amqp = ProxyScenario.viaProxy(
                broker, proxy: proxy, heartbeat: Self.heartbeat, connectTimeout: Self.connectTimeout, name: "stall-worker"
            )
            let configuration = Worker.Configuration(
                amqp: amqp, queue: queue, concurrency: concurrency, prefetch: prefetch, shutdownGracePeriod: .seconds(10),
                reconnectBackoff: Backoff(initial: .milliseconds(50), maximum: .milliseconds(500))
            )
            // 4 handlers of 25 ms: about 160 tasks a second, so the stall comes mid-queue.
            try await ProxyScenario.withWorker(configuration, ledger: ledger, handlerDelay: .milliseconds(25)) {
                try await waitUntil("100 processed", within: .seconds(20)) { ledger.report.processed >= 100 }
                let before = try await proxy.stats()
                let stalledAt = ContinuousClock.now
                try await proxy.stall()
                let processedAtStall = ledger.report.processed

                // The worker's only way to show it noticed: it connects again (after its short back-off).
                try await waitUntil("the worker reconnects", within: Self.heartbeat * 3 + .seconds(10)) {
                    try await proxy.stats().connections > before.connections
                }
                let detection = ContinuousClock.now - stalledAt
                let processedBeforeDetection = ledger.report.processed - processedAtStall
                try await proxy.resume(onlyNew: true)

                let resumeTarget = ledger.report.processed + Int(prefetch) + 20
                try await waitUntil("processing resumes", within: Self.connectTimeout + .seconds(15)) {
                    ledger.report.processed >= resumeTarget
                }
                let recovery = ContinuousClock.now - stalledAt
                // The deliveries unacked on the stalled connection come back when the broker gives
                // up on that connection (its own heartbeat check), then everything gets done.
                try await waitUntil("every task processed and the queue empty", within: .seconds(60)) {
                    guard ledger.report.lost == 0 else { return false }
                    return try await admin.queueDeclare(queue.name, passive: true).messageCount == 0
                }
                try await Task.sleep(for: .milliseconds(300))
                let report = ledger.report
                print("fault-report stall-worker: \(report)")
                print(
                    "fault-report stall-worker: detection (new connection at the proxy) \(detection) (heartbeat \(Self.heartbeat)); \(processedBeforeDetection) processed between stall and detection; processing again \(recovery) after the stall; proxy: \(try await proxy.stats())"
                )
                #expect(detection <= Self.heartbeat * 3 + Self.detectionSlack, "detection took \(detection)")
                #expect(detection >= Self.heartbeat, "reconnected after \(detection): too early for a heartbeat timeout")
                #expect(recovery <= Self.heartbeat * 3 + Self.detectionSlack + Self.connectTimeout + .seconds(3))
                #expect(report.confirmed == total)
                #expect(report.lost == 0)
                // Redelivered: what the stalled connection held unacked, at most a prefetch.
                #expect(report.extraDeliveries <= Int(prefetch), "\(report.extraDeliveries) extra runs")
                #expect(try await admin.queueDeclare(queue.deadLetterQueue, passive: true).messageCount == 0)
            }
        }
    }

    // MARK: - Helpers

    /// A flag the test sets to stop its publishers.
    final class StopFlag: Sendable {
        private let value = Atomic<Bool>(false)
        func set() { value.store(true, ordering: .relaxed) }
        var isSet: Bool { value.load(ordering: .relaxed) }
    }

    /// Hands out 0, 1, 2, … to concurrent callers.
    final class Counter: Sendable {
        private let value = Atomic<Int>(0)
        func next() -> Int { value.add(1, ordering: .relaxed).oldValue }
    }

    /// Enqueues `prefix-N` from `lanes` enqueuers, each pausing `pause` between its enqueues, until
    /// `stop` is set or `limit` ids were used.
    static func publishUntilStopped(
        prefix: String,
        lanes: Int,
        pause: Duration,
        limit: Int,
        producer: TaskProducer,
        queue: String,
        ledger: MessageLedger,
        outcomes: ProxyScenario.EnqueueOutcomes,
        stop: StopFlag
    ) async {
        let next = Counter()
        await withDiscardingTaskGroup { group in
            for _ in 0..<lanes {
                group.addTask {
                    while !stop.isSet {
                        let index = next.next()
                        guard index < limit else { return }
                        let id = "\(prefix)-\(index)"
                        ledger.published(id)
                        do {
                            try await producer.enqueue(ProxyScenario.Tick(id: id), to: queue, options: EnqueueOptions(messageID: id))
                            ledger.confirmed(id)
                            outcomes.confirmed(id)
                        } catch {
                            outcomes.failed(id, error)
                        }
                        try? await Task.sleep(for: pause)
                    }
                }
            }
        }
    }

    /// Takes every message in `queue` (no ack), recording each id as processed; returns how many.
    static func drainIDs(_ queue: String, on channel: AMQPChannel, into ledger: MessageLedger) async throws -> Int {
        var count = 0
        while let delivery = try await channel.get(queue: queue, noAck: true) {
            ledger.processed(delivery.properties.messageID ?? "no-id-\(count)")
            count += 1
        }
        return count
    }
}
