import Foundation
import Logging
import Testing
import Warren

/// A `WarrenClient` whose `run()` is running reconnects as soon as its connection is cut, before any
/// enqueue asks for a connection, so that the first enqueue after a loss does not pay for the
/// reconnect.
@Suite("Fault: WarrenClient reconnects in the background", .serialized, .timeLimit(.minutes(2)))
struct ClientReconnectTests {
    @Test("after each of three cuts the client is connected again within seconds, with no enqueue in between; then an enqueue works")
    func reconnectsWithoutACaller() async throws {
        let broker = try ProxyScenario.broker()
        let queue = TaskQueue(uniqueName("client-reconnect"))
        try await ProxyScenario.withProxyAndQueue(broker: broker, queue: queue) { proxy, admin in
            let amqp = ProxyScenario.viaProxy(broker, proxy: proxy, heartbeat: .seconds(2), name: "client-reconnect")
            let client = WarrenClient(
                configuration: .init(amqp: amqp, reconnectBackoff: Backoff(initial: .milliseconds(50), maximum: .milliseconds(500))),
                logger: faultLogger("warren.fault.client")
            )
            let running = Task { try await client.run() }
            defer { running.cancel() }
            try await waitUntil("the client connects", within: .seconds(10)) { client.connectionCount == 1 }
            for cut in 1...3 {
                #expect(try await proxy.cut() == 1, "cut \(cut): the client's one connection")
                try await waitUntil("reconnected after cut \(cut)", within: .seconds(10)) {
                    client.connectionCount == cut + 1
                }
                try await waitUntil("the proxy sees the new connection", within: .seconds(5)) {
                    try await proxy.stats().open == 1
                }
            }
            try await client.enqueue(Probe(id: "after-cuts"), to: queue)
            #expect(try await admin.queueDeclare(queue.name, passive: true).messageCount == 1)
            #expect(client.connectionCount == 4)
            running.cancel()
            _ = try? await running.value
        }
    }
}
