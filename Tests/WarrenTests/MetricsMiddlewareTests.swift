import MetricsTestKit
import Testing

@testable import Warren

@Suite("Metrics middleware")
struct MetricsMiddlewareTests {
    @Test("each settlement counts where it belongs: success, retry, dead letter (failed or refused) and hand-back")
    func counts() async throws {
        let factory = TestMetrics()
        let middleware = MetricsMiddleware(metrics: WorkerMetrics(queue: "q", factory: factory))
        let context = TaskContext(taskName: "email", messageID: "m1", queue: "q")
        let settlements: [TaskSettlement] = [
            TaskSettlement(disposition: .succeeded, duration: .milliseconds(5)),
            TaskSettlement(disposition: .retry(after: .seconds(1)), duration: .milliseconds(5)),
            TaskSettlement(disposition: .deadLetter(.maxAttemptsExceeded), duration: .milliseconds(5)),
            TaskSettlement(disposition: .deadLetter(.unknownTask), refusal: "no handler"),
            TaskSettlement(disposition: .handBack, duration: .milliseconds(5)),
        ]
        for settlement in settlements {
            await middleware.received(context)
            try await middleware.run(context) { _ in }
            await middleware.settled(context, settlement)
        }
        let dimensions = [("queue", "q"), ("task", "email")]
        func total(_ label: String) throws -> Int64 { try factory.expectCounter(label, dimensions).totalValue }
        #expect(try total("warren_tasks_received_total") == 5)
        #expect(try total("warren_tasks_succeeded_total") == 1)
        #expect(try total("warren_tasks_failed_total") == 2, "the retry and the last attempt; a refusal is not a failure")
        #expect(try total("warren_tasks_retried_total") == 1)
        #expect(try total("warren_tasks_dead_lettered_total") == 2)
        #expect(try total("warren_tasks_handed_back_total") == 1)
        #expect(try factory.expectTimer("warren_task_duration_seconds", dimensions).values.count == 4)
        #expect(try factory.expectMeter("warren_tasks_in_flight", [("queue", "q")]).lastValue == 0)
    }
}
