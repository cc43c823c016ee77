import Foundation
import Testing
import WarrenAMQP

/// The broker the integration tests use: `AMQP_URL`, else the local default.
func testConfiguration() throws -> AMQPConnection.Configuration {
    var configuration = try AMQPConnection.Configuration.fromEnvironment()
    configuration.connectionName = "warren-integration-tests"
    configuration.callTimeout = .seconds(20)
    return configuration
}

/// A name no other test uses: `warren-test-<what>-<random>`.
func uniqueName(_ what: String) -> String {
    "warren-test-\(what)-\(UInt32.random(in: 0...UInt32.max))"
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

/// Runs `body`, failing the test if it takes longer than `limit`.
func withTimeLimit<Result: Sendable>(
    _ limit: Duration,
    _ what: String,
    _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        guard let first = try await group.next() else { throw TimeLimitExceeded(what: what, limit: limit) }
        group.cancelAll()
        guard let result = first else { throw TimeLimitExceeded(what: what, limit: limit) }
        return result
    }
}

struct TimeLimitExceeded: Error, CustomStringConvertible {
    var what: String
    var limit: Duration
    var description: String { "\(what) did not finish within \(limit)" }
}

/// Polls `condition` every 10 ms until it holds, failing after `limit`.
func waitUntil(_ what: String, within limit: Duration = .seconds(10), _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw TimeLimitExceeded(what: what, limit: limit) }
        try await Task.sleep(for: .milliseconds(10))
    }
}

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
