import Foundation
import Testing

/// `warren demo`, the README's walkthrough.
@Suite("warren demo", .timeLimit(.minutes(1)))
struct DemoTests {
    @Test("the demo exits 0 and shows a task dead-lettered after its retries")
    func demoTellsTheStory() async throws {
        try await TestScope.run("demo") { scope in
            let result = try await scope.run(["demo", "--queue", scope.queue, "--tasks", "6"], within: .seconds(45))
            #expect(result.status == 0, "\(result)")
            let output = result.stdout
            #expect(output.contains("✔ resize-image #1 done"))
            #expect(output.contains("↻ charge-card #2 failed (attempt 1/3), retrying in 0.5 s"))
            #expect(output.contains("↻ charge-card #2 failed (attempt 2/3), retrying in 1.0 s"))
            #expect(output.contains("✖ charge-card #2 dead-lettered after 3 attempts: card declined"))
            #expect(output.contains("max-attempts-exceeded"))
            #expect(output.contains("Summary: 5 done, 1 dead-lettered, 2 retries"))
            #expect(result.stderr.isEmpty, "the demo's log should be quiet: \(result.stderr)")
        }
    }
}
