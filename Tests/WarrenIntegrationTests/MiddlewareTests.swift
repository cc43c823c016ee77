import Synchronization
import Testing
import Warren

/// An application's middleware in a real worker: it sees every message arrive, runs around every
/// attempt, can fail one, and is told how each ended, after the broker confirmed it.
@Suite("Worker middleware")
struct MiddlewareTests {
    /// Records what it saw, by message id; fails the first attempt of messages whose id starts with
    /// "refuse-".
    struct Auditing: TaskMiddleware {
        let journal: Recorder<String>

        func received(_ context: TaskContext) async {
            journal.append("\(context.messageID) received \(context.attempt)")
        }

        func run(_ context: TaskContext, next: (TaskContext) async throws -> Void) async throws {
            if context.messageID.hasPrefix("refuse-") && context.attempt == 1 {
                throw TestFailure(text: "refused by the middleware")
            }
            try await next(context)
            journal.append("\(context.messageID) ran \(context.attempt)")
        }

        func settled(_ context: TaskContext, _ settlement: TaskSettlement) async {
            journal.append("\(context.messageID) settled \(context.attempt) \(settlement.disposition) \(settlement.failureDescription ?? "-")")
        }
    }

    @Test("a middleware sees success, a retry it caused, a dead letter and an unknown task, in order per message")
    func middlewareSeesEveryOutcome() async throws {
        let queue = uniqueQueue("middleware")
        let journal = Recorder<String>()
        var tasks = TaskRegistry()
        tasks.register(Echo.self) { _, _ in }
        tasks.register(Fail.self, retry: .never) { _, _ in throw TestFailure(text: "always fails") }
        try await withWorker(queue: queue, tasks: tasks, configure: { $0.middlewares = [Auditing(journal: journal)] }) { producer, channel in
            try await producer.enqueue(Echo(text: "hi"), to: queue.name, options: .init(messageID: "ok"))
            try await producer.enqueue(Echo(text: "hi"), to: queue.name, options: .init(messageID: "refuse-1"))
            try await producer.enqueue(Fail(id: 1), to: queue.name, options: .init(messageID: "doomed"))
            try await producer.enqueue(body: Array("{}".utf8), taskName: "nobody", to: queue.name, options: .init(messageID: "stray"))
            try await waitUntil("every outcome settled", within: .seconds(20)) {
                journal.all.filter { $0.contains(" settled ") }.count == 5
            }
            func lines(_ id: String) -> [String] { journal.all.filter { $0.hasPrefix(id + " ") } }
            #expect(lines("ok") == ["ok received 1", "ok ran 1", "ok settled 1 succeeded -"])
            #expect(
                lines("refuse-1") == [
                    "refuse-1 received 1", "refuse-1 settled 1 retry(after: 0.3 seconds) refused by the middleware",
                    "refuse-1 received 2", "refuse-1 ran 2", "refuse-1 settled 2 succeeded -",
                ]
            )
            #expect(lines("doomed") == ["doomed received 1", "doomed settled 1 deadLetter(max-attempts-exceeded) always fails"])
            #expect(
                lines("stray") == [
                    "stray received 1",
                    "stray settled 1 deadLetter(unknown-task) no handler is registered for task 'nobody' on queue '\(queue.name)'",
                ]
            )
            // Settled means carried out: both dead letters are in Q.dead already.
            #expect(try await channel.queueDeclare(queue.deadLetterQueue, passive: true).messageCount == 2)
        }
    }
}
