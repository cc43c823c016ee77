import Foundation
import Testing
import Warren

@Suite("Fault: broker restart", .serialized)
struct BrokerRestartTests {
    @Test("stop_app/start_app and kill -9 mid-publish: every confirmed task of 20,000 is processed")
    func restartsMidPublish() async throws {
        let node = PrivateBrokerNode(name: "warren-restart", port: FaultPorts.restart)
        try node.start()
        defer { node.stop() }
        let amqp = try nodeConfiguration(port: node.port)
        let queue = TaskQueue(uniqueName("restart"))
        let ledger = MessageLedger()
        let connections = ReconnectingConnection(
            configuration: .init(endpoints: [amqp], backoff: Backoff(initial: .milliseconds(100), maximum: .seconds(1)), waitLimit: .seconds(60)),
            logger: faultLogger("warren.fault.producer")
        )
        defer { Task { await connections.shutdown() } }
        let producer = TaskProducer(
            connection: connections,
            configuration: .init(maxOutstandingConfirms: 256, retryLimit: .seconds(120)),
            logger: faultLogger("warren.fault.producer")
        )
        try await producer.declare(queue)
        let total = 20_000

        let failed = try await withProbeWorker(amqp: amqp, queue: queue, ledger: ledger) {
            async let failedEnqueues = publishProbes(
                total, prefix: "restart", concurrency: 16, producer: producer, queue: queue.name, ledger: ledger
            )
            // Fault 1: a clean broker restart once a quarter is confirmed.
            try await waitUntil("5,000 confirmed", within: .seconds(120)) { ledger.report.confirmed >= 5_000 }
            try node.ctl("stop_app")
            try await Task.sleep(for: .milliseconds(500))
            try node.ctl("start_app")
            // Fault 2: the broker's VM killed with SIGKILL, then started on its data.
            try await waitUntil("12,000 confirmed", within: .seconds(120)) { ledger.report.confirmed >= 12_000 }
            try node.crash()
            try node.restart()
            let failed = await failedEnqueues
            try await waitUntil("every confirmed task processed", within: .seconds(120)) { ledger.report.lost == 0 }
            return failed
        }
        let report = ledger.report
        print("fault-report broker-restart: \(report), enqueues failed: \(failed)")
        #expect(report.published == total)
        #expect(failed == 0)
        #expect(report.confirmed == total)
        #expect(report.lost == 0)
        // Duplicates come only from the two failures: unconfirmed publishes sent again and
        // unacknowledged deliveries redelivered. Both are bounded by what was in flight.
        #expect(report.extraDeliveries <= 2 * (16 * 256 + 256))
    }
}
