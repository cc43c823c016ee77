import Logging
import Synchronization
import Testing
import Warren
import WarrenAMQP
import WarrenTestSupport

/// An operator reads one warning per connection loss, not one per publish the loss caught.
@Suite("Fault: one warning per connection loss", .serialized, .timeLimit(.minutes(2)))
struct LossLoggingTests {
    @Test("a cut under a full confirm window logs one producer warning, and every enqueue still succeeds")
    func oneWarningPerLoss() async throws {
        let broker = try ProxyScenario.broker()
        let queue = TaskQueue(uniqueName("loss-logging"))
        let recorder = LogRecorder()
        let logger = Logger(label: "warren.fault.loss-logging") { _ in recorder.handler() }
        try await ProxyScenario.withProxyAndQueue(broker: broker, queue: queue) { proxy, _ in
            let amqp = ProxyScenario.viaProxy(broker, proxy: proxy, heartbeat: .seconds(2), name: "loss-logging")
            let connections = ProxyScenario.reconnecting(amqp, waitLimit: .seconds(30), logger: faultLogger("warren.fault.loss-logging.connection"))
            let producer = TaskProducer(
                connection: connections,
                configuration: .init(maxOutstandingConfirms: 256, retryLimit: .seconds(60)),
                logger: logger
            )
            try await producer.enqueue(Probe(id: "warm-up"), to: queue.name)
            // 512 enqueues into a stalled path: the window is full and unconfirmed when the cut comes.
            try await proxy.stall()
            let enqueues = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<512 {
                        group.addTask { try await producer.enqueue(Probe(id: "p\(index)"), to: queue.name) }
                    }
                    try await group.waitForAll()
                }
            }
            try await Task.sleep(for: .milliseconds(500))
            _ = try await proxy.cut()
            try await proxy.resume()
            try await withTimeLimit(.seconds(60), "every enqueue confirmed after the cut") { try await enqueues.value }
            await connections.shutdown()

            let warnings = recorder.lines.filter { $0.hasPrefix("warning ") && $0.contains("connection lost before the broker confirmed") }
            #expect(warnings.count == 1, "\(warnings.count) warnings for one loss")
            #expect(connections.connectionCount == 2)
        }
    }
}
