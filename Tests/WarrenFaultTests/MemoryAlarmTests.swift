import Foundation
import Testing
import Warren

@Suite("Fault: memory alarm", .serialized)
struct MemoryAlarmTests {
    @Test("a memory alarm blocks publishers, which wait and resume when it clears; nothing is lost")
    func publishersBlockAndResume() async throws {
        let node = PrivateBrokerNode(name: "warren-alarm", port: FaultPorts.alarm)
        try node.start()
        defer { node.stop() }
        let amqp = try nodeConfiguration(port: node.port)
        let queue = TaskQueue(uniqueName("alarm"))
        let ledger = MessageLedger()
        let connections = ReconnectingConnection(endpoints: [amqp], logger: faultLogger("warren.fault.producer"))
        defer { Task { await connections.shutdown() } }
        let producer = TaskProducer(
            connection: connections,
            configuration: .init(maxOutstandingConfirms: 64, blockedLimit: .seconds(60)),
            logger: faultLogger("warren.fault.producer")
        )
        try await producer.declare(queue)
        let total = 4_000

        let (failed, drained) = try await withProbeWorker(amqp: amqp, queue: queue, ledger: ledger, handlerDelay: .milliseconds(1)) {
            let failedBefore = await publishProbes(
                total / 4, prefix: "before", concurrency: 8, producer: producer, queue: queue.name, ledger: ledger
            )
            try node.ctl("set_vm_memory_high_watermark", "0.0000001")
            // The broker blocks a connection when it next publishes.
            async let failedDuring = publishProbes(
                total - total / 4, prefix: "during", concurrency: 8, producer: producer, queue: queue.name, ledger: ledger
            )
            let connection = try await connections.connection()
            try await waitUntil("connection.blocked", within: .seconds(20)) { connection.blockedState.isBlocked }
            // Blocked: confirms stop; nothing fails, nothing crashes.
            let atBlock = ledger.report.confirmed
            try await Task.sleep(for: .seconds(3))
            let duringBlock = ledger.report.confirmed - atBlock
            #expect(duringBlock <= 64 + 8, "confirms while blocked: \(duringBlock)")
            #expect(connection.isOpen)
            #expect(ledger.report.confirmed < total)
            try node.ctl("set_vm_memory_high_watermark", "0.4")
            let unblockedAt = ContinuousClock.now
            try await waitUntil("connection.unblocked", within: .seconds(20)) { !connection.blockedState.isBlocked }
            let failed = await failedDuring + failedBefore
            try await waitUntil("every confirmed task processed", within: .seconds(60)) { ledger.report.lost == 0 }
            return (failed, ContinuousClock.now - unblockedAt)
        }
        let report = ledger.report
        print("fault-report memory-alarm: \(report), enqueues failed: \(failed), drained \(drained) after unblock")
        #expect(failed == 0)
        #expect(report.confirmed == total)
        #expect(report.lost == 0)
        #expect(report.duplicated == 0)
    }
}
