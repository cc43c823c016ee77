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
            // With WARREN_MANAGEMENT_URL set (the CLI reads it, the test inherits it) the API must answer.
            let result = try await scope.run(["queues", "--json"])
            if TestScope.managementURL != nil {
                #expect(result.status == 0, "stderr: \(result.stderr)")
            }
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

    @Test("WARREN_MANAGEMENT_URL is the default; --management-url overrides it")
    func managementURLFromEnvironment() async throws {
        try await TestScope.run("mgmtenv") { scope in
            let unreachable = ["WARREN_MANAGEMENT_URL": "http://127.0.0.1:1"]
            let fromEnvironment = try await scope.run(["queues"], environment: unreachable)
            #expect(fromEnvironment.status == 1)
            #expect(fromEnvironment.stderrLines.count == 1)
            #expect(fromEnvironment.stderr.contains("http://127.0.0.1:1"))
            #expect(fromEnvironment.stderr.contains("not reachable"))

            let notHTTP = try await scope.run(["queues"], environment: ["WARREN_MANAGEMENT_URL": "ftp://127.0.0.1"])
            #expect(notHTTP.status != 0)
            #expect(notHTTP.stderr.contains("WARREN_MANAGEMENT_URL"))

            // The option wins over the environment.
            let optionWins = try await scope.run(["queues", "--management-url", "http://127.0.0.1:2"], environment: unreachable)
            #expect(optionWins.status == 1)
            #expect(optionWins.stderr.contains("http://127.0.0.1:2"))
            #expect(!optionWins.stderr.contains("http://127.0.0.1:1"))
            // ... and, with a real API to name, lists through it.
            guard let real = TestScope.managementURL else { return }
            try await scope.declareQueue()
            let overridden = try await scope.run(["queues", "--json", "--management-url", real], environment: unreachable)
            #expect(overridden.status == 0, "stderr: \(overridden.stderr)")
            #expect(overridden.stdout.contains(scope.queue))
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
