import Foundation
import Testing

/// `warren queues` without --queue: Warren's queues from the management API.
@Suite("warren queues (management API)", .timeLimit(.minutes(1)))
struct QueuesListTests {
    /// One row of `warren queues --json`.
    struct Row: Decodable {
        let queue: String
        let ready: Int
        let consumers: Int
        let dead: Int?
    }

    @Test("lists the task queues, not their .dead queues; or says in one line that the API is unreachable")
    func listsWarrenQueues() async throws {
        try await TestScope.run("mgmt") { scope in
            try await scope.declareQueue()
            try await scope.enqueue()
            let result = try await scope.run(["queues", "--json"])
            if result.status == 0 {
                let rows = try JSONDecoder().decode([Row].self, from: Data(result.stdout.utf8))
                let mine = rows.filter { $0.queue == scope.queue }
                #expect(mine.count == 1)
                #expect(mine.first?.ready == 1)
                #expect(mine.first?.dead == 0)
                #expect(!rows.contains { $0.queue.hasSuffix(".dead") })
                #expect(!rows.contains { $0.queue.hasPrefix("warren.delay.") })
            } else {
                // rabbitmq_management is not enabled here (scripts/setup-broker.sh enables it).
                #expect(result.stderrLines.count == 1)
                #expect(result.stderr.contains("--queue"))
            }
        }
    }

    @Test("an unreachable management API is one line suggesting --queue")
    func unreachableAPI() async throws {
        try await TestScope.run("mgmtdown") { scope in
            let result = try await scope.run(["queues", "--management-url", "http://127.0.0.1:1"])
            #expect(result.status == 1)
            #expect(result.stderrLines.count == 1)
            #expect(result.stderr.contains("not reachable"))
            #expect(result.stderr.contains("--queue"))
        }
    }
}
