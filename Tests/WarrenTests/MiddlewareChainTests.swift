import Synchronization
import Testing
@testable import Warren

@Suite("Middleware chain")
struct MiddlewareChainTests {
    /// Records what each middleware saw, in order.
    final class Journal: Sendable {
        private let entries = Mutex<[String]>([])
        func add(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    struct Recording: TaskMiddleware {
        let name: String
        let journal: Journal

        func received(_ context: TaskContext) async { journal.add("\(name).received") }

        func run(_ context: TaskContext, next: (TaskContext) async throws -> Void) async throws {
            journal.add("\(name).before")
            do {
                try await next(context)
                journal.add("\(name).after")
            } catch {
                journal.add("\(name).saw \(error)")
                throw error
            }
        }

        func settled(_ context: TaskContext, _ settlement: TaskSettlement) async {
            journal.add("\(name).settled \(settlement.disposition)")
        }
    }

    /// Refuses every task without calling `next`.
    struct Refusing: TaskMiddleware {
        struct Refused: Error, CustomStringConvertible { var description: String { "refused" } }
        func run(_ context: TaskContext, next: (TaskContext) async throws -> Void) async throws { throw Refused() }
    }

    /// Passes on a context for another task name, as a middleware that rewrites the context would.
    struct Renaming: TaskMiddleware {
        func run(_ context: TaskContext, next: (TaskContext) async throws -> Void) async throws {
            try await next(TaskContext(taskName: context.taskName + "!", messageID: context.messageID, queue: context.queue))
        }
    }

    let context = TaskContext(taskName: "email", messageID: "m1", queue: "q")

    @Test("received and run go first to last around the handler; settled goes last to first")
    func order() async throws {
        let journal = Journal()
        let chain = MiddlewareChain(middlewares: [Recording(name: "a", journal: journal), Recording(name: "b", journal: journal)])
        await chain.received(context)
        try await chain.run(context) { _ in journal.add("handler") }
        await chain.settled(context, TaskSettlement(disposition: .succeeded, duration: .milliseconds(3)))
        #expect(
            journal.all == [
                "a.received", "b.received", "a.before", "b.before", "handler", "b.after", "a.after",
                "b.settled succeeded", "a.settled succeeded",
            ]
        )
    }

    @Test("a handler's error passes out through every middleware")
    func errorsPropagate() async {
        struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
        let journal = Journal()
        let chain = MiddlewareChain(middlewares: [Recording(name: "a", journal: journal), Recording(name: "b", journal: journal)])
        await #expect(throws: Boom.self) { try await chain.run(context) { _ in throw Boom() } }
        #expect(journal.all == ["a.before", "b.before", "b.saw boom", "a.saw boom"])
    }

    @Test("a middleware that throws instead of calling next keeps the handler from running")
    func shortCircuit() async {
        let journal = Journal()
        let chain = MiddlewareChain(middlewares: [Recording(name: "a", journal: journal), Refusing()])
        await #expect(throws: Refusing.Refused.self) { try await chain.run(context) { _ in journal.add("handler") } }
        #expect(journal.all == ["a.before", "a.saw refused"])
    }

    @Test("the context a middleware passes on is the one the handler gets")
    func contextRewritten() async throws {
        let seen = Mutex<String>("")
        try await MiddlewareChain(middlewares: [Renaming()]).run(context) { context in seen.withLock { $0 = context.taskName } }
        #expect(seen.withLock { $0 } == "email!")
    }

    @Test("with no middlewares the handler runs directly")
    func empty() async throws {
        let ran = Mutex(false)
        try await MiddlewareChain(middlewares: []).run(context) { _ in ran.withLock { $0 = true } }
        #expect(ran.withLock { $0 })
    }

    @Test("a settlement describes a refusal, a refused body's detail, or the error")
    func failureDescription() {
        #expect(TaskSettlement(disposition: .succeeded).failureDescription == nil)
        #expect(TaskSettlement(disposition: .deadLetter(.unknownTask), refusal: "no handler").failureDescription == "no handler")
        let poison = PoisonMessage(reason: .invalidJSON, detail: "not JSON")
        #expect(TaskSettlement(disposition: .deadLetter(.invalidJSON), error: poison).failureDescription == "not JSON")
    }
}
