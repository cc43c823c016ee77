import Foundation
import Synchronization
import Testing
import WarrenAMQP
import WarrenTestSupport

/// A dead network path must be noticed within two heartbeat intervals whatever the connection does
/// meanwhile. The hard case is a producer that keeps writing into the stalled path: every publish is
/// a call into rabbitmq-c, which checks its receive deadline only when it reads, and the socket does
/// not become readable while nothing arrives.
@Suite("Fault: a silent broker is noticed within two heartbeats under any traffic", .serialized, .timeLimit(.minutes(3)))
struct HeartbeatDetectionTests {
    static let heartbeat: Duration = .seconds(2)
    /// Scheduling on a busy two-core machine; the deadline itself is exact.
    static let slack: Duration = .milliseconds(750)

    /// How the producer publishes while the path is stalled.
    enum Traffic: Sendable, CustomTestStringConvertible {
        /// Confirm mode with this in-flight limit, as fast as it can.
        case confirmsFlatOut(window: Int)
        /// Confirm mode without an in-flight limit, `perSecond` publishes a second: the window never
        /// fills within the test.
        case confirmsPaced(perSecond: Int)
        /// No confirms, `perSecond` publishes a second.
        case noConfirmsPaced(perSecond: Int)

        var testDescription: String {
            switch self {
            case .confirmsFlatOut(let window): "confirms, window \(window), flat out"
            case .confirmsPaced(let rate): "confirms, no window, \(rate)/s"
            case .noConfirmsPaced(let rate): "no confirms, \(rate)/s"
            }
        }
    }

    @Test(
        "publishing into a stalled path, the connection ends within two heartbeats",
        arguments: [
            Traffic.confirmsFlatOut(window: 256), .confirmsFlatOut(window: 4096), .confirmsPaced(perSecond: 500),
            .noConfirmsPaced(perSecond: 500),
        ]
    )
    func publishingIntoStall(traffic: Traffic) async throws {
        let broker = try ProxyScenario.broker()
        let host = broker.host.contains(":") ? "[\(broker.host)]" : broker.host
        let proxy = try await FaultProxy.start(target: "\(host):\(broker.port)", verbose: false)
        defer { proxy.stop() }
        let configuration = ProxyScenario.viaProxy(broker, proxy: proxy, heartbeat: Self.heartbeat, name: "heartbeat-detection")
        let connection = try await AMQPConnection.connect(configuration, logger: faultLogger("warren.fault.heartbeat"))
        let channel = try await connection.openChannel()
        switch traffic {
        case .confirmsFlatOut(let window): try await channel.confirmSelect(maxOutstanding: window)
        case .confirmsPaced: try await channel.confirmSelect()
        case .noConfirmsPaced: break
        }
        // Unroutable and not mandatory: the broker confirms and drops each one.
        let message = AMQPOutboundMessage(body: [UInt8](repeating: 1, count: 100), routingKey: uniqueName("nowhere"))
        let publishers = Task {
            await withTaskGroup(of: Void.self) { group in
                switch traffic {
                case .confirmsFlatOut(let window):
                    for _ in 0..<8 {
                        group.addTask {
                            let batch = Array(repeating: message, count: window / 8)
                            while !Task.isCancelled { guard (try? await channel.publish(batch)) != nil else { return } }
                        }
                    }
                case .confirmsPaced(let rate), .noConfirmsPaced(let rate):
                    // Each publish awaits nothing but its hand-over: confirms are not waited for.
                    let pause = Duration.seconds(1) / rate
                    group.addTask {
                        var next = ContinuousClock.now
                        while !Task.isCancelled && connection.isOpen {
                            let publish = Task { try await channel.publish(message) }
                            _ = publish
                            next += pause
                            try? await Task.sleep(until: next)
                        }
                    }
                }
            }
        }
        defer { publishers.cancel() }
        try await Task.sleep(for: .seconds(1))
        #expect(connection.isOpen, "the connection ended before the stall")

        let stalledAt = ContinuousClock.now
        try await proxy.stall()
        let reason = try await withTimeLimit(.seconds(60), "the stall is noticed") { await connection.closed() }
        let detection = ContinuousClock.now - stalledAt
        publishers.cancel()
        print("fault-report heartbeat-detection \(traffic.testDescription): detected after \(detection) (heartbeat \(Self.heartbeat)): \(reason)")

        #expect(reason.code == .connectionLost, "\(reason)")
        #expect(detection <= Self.heartbeat * 2 + Self.slack, "detection took \(detection) with \(traffic.testDescription)")
        #expect(detection >= Self.heartbeat, "detected after \(detection): too early for a heartbeat timeout")
    }
}
