import Foundation
import Testing
import WarrenAMQP
@_exported import WarrenTestSupport

/// The broker the integration tests use: `AMQP_URL`, else the local default.
func testConfiguration() throws -> AMQPConnection.Configuration {
    var configuration = try AMQPConnection.Configuration.fromEnvironment()
    configuration.connectionName = "warren-integration-tests"
    configuration.callTimeout = .seconds(20)
    return configuration
}

/// Runs `body` with a fresh connection and channel, deleting `queues` and `exchanges` afterwards on a
/// channel of its own (the test's channel may have been closed by an error on purpose).
func withTestChannel<Result: Sendable>(
    queues: [String] = [],
    exchanges: [String] = [],
    configuration: AMQPConnection.Configuration? = nil,
    _ body: (AMQPConnection, AMQPChannel) async throws -> Result
) async throws -> Result {
    let connection = try await AMQPConnection.connect(try configuration ?? testConfiguration())
    func cleanUp() async {
        guard let cleaner = try? await connection.openChannel() else { return }
        for queue in queues { _ = try? await cleaner.queueDelete(queue) }
        for exchange in exchanges { try? await cleaner.exchangeDelete(exchange) }
        try? await cleaner.close()
    }
    do {
        let channel = try await connection.openChannel()
        let result = try await body(connection, channel)
        await cleanUp()
        await connection.close()
        return result
    } catch {
        await cleanUp()
        await connection.close()
        throw error
    }
}

/// Bytes of a string.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Collects the next `count` deliveries of a consumer, bounded in time. Running out of time cancels
/// the iteration, which ends the consumer.
func collect(_ count: Int, from consumer: AMQPConsumer, within limit: Duration = .seconds(10)) async throws -> [AMQPDelivery] {
    try await withTimeLimit(limit, "receiving \(count) deliveries") {
        var received: [AMQPDelivery] = []
        for try await delivery in consumer {
            received.append(delivery)
            if received.count == count { break }
        }
        return received
    }
}
