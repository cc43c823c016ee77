import Synchronization
import Testing
import Warren
import WarrenTesting

struct Greet: WarrenTask {
    static let name = "greet"
    var name: String
}

struct SignupService {
    let tasks: any TaskEnqueuer
    let queue: TaskQueue

    func signUp(_ name: String) async throws {
        try await tasks.enqueue(Greet(name: name), to: queue, options: EnqueueOptions(messageID: "greet-\(name)"))
    }
}

struct Unencodable: WarrenTask {
    static let name = "unencodable"

    init() {}
    init(from decoder: any Decoder) throws {}

    func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(0, .init(codingPath: [], debugDescription: "never encodes"))
    }
}

struct Flaky: Error, CustomStringConvertible {
    var description: String
}

/// A middleware that writes down what it saw.
final class Journal: TaskMiddleware {
    let lines = Mutex<[String]>([])

    func received(_ context: TaskContext) async {
        lines.withLock { $0.append("received \(context.messageID) #\(context.attempt)") }
    }

    func settled(_ context: TaskContext, _ settlement: TaskSettlement) async {
        lines.withLock { $0.append("settled \(context.messageID) #\(context.attempt) \(settlement.disposition)") }
    }
}

@Suite("InMemoryTaskQueue")
struct InMemoryTaskQueueTests {
    let greetings = TaskQueue("greetings")

    @Test("code that takes any TaskEnqueuer enqueues into it; the handler gets the decoded task and its context")
    func runsThroughTheProtocol() async throws {
        let seen = Mutex<[String]>([])
        var tasks = TaskRegistry()
        tasks.register(Greet.self) { task, context in
            seen.withLock { $0.append("\(task.name) \(context.messageID) \(context.queue) #\(context.attempt)/\(context.maxAttempts)") }
        }
        let queue = InMemoryTaskQueue(tasks: tasks, retryPolicy: RetryPolicy(maxAttempts: 3))
        try await SignupService(tasks: queue, queue: greetings).signUp("ada")
        #expect(queue.pending.map(\.messageID) == ["greet-ada"])
        #expect(queue.pending.first?.properties.contentType == "application/json")
        #expect(queue.pending.first.map { String(decoding: $0.body, as: UTF8.self) } == #"{"name":"ada"}"#)
        let attempts = try await queue.runUntilEmpty()
        #expect(attempts.map(\.disposition) == [.succeeded])
        #expect(seen.withLock { $0 } == ["ada greet-ada greetings #1/3"])
        #expect(queue.pending.isEmpty)
        #expect(queue.deadLetters(of: greetings).isEmpty)
    }

    @Test("a failing task is retried on the policy's back-off in virtual time, then succeeds")
    func retriesInVirtualTime() async throws {
        var tasks = TaskRegistry()
        tasks.register(Greet.self) { _, context in
            if context.attempt < 3 { throw Flaky(description: "mail server busy (attempt \(context.attempt))") }
        }
        let policy = RetryPolicy(maxAttempts: 4, initialDelay: .seconds(1), multiplier: 2, jitter: 0)
        let queue = InMemoryTaskQueue(tasks: tasks, retryPolicy: policy)
        try await queue.enqueue(Greet(name: "grace"), to: greetings)
        let clock = ContinuousClock()
        let started = clock.now
        let attempts = try await queue.runUntilEmpty()
        #expect(clock.now - started < .seconds(1), "virtual time: no real waiting")
        #expect(attempts.map(\.attempt) == [1, 2, 3])
        #expect(attempts.map(\.disposition) == [.retry(after: .seconds(1)), .retry(after: .seconds(2)), .succeeded])
        #expect(attempts.map(\.at) == [.zero, .seconds(1), .seconds(3)])
        #expect(attempts.first?.error == "mail server busy (attempt 1)")
        #expect(Set(attempts.map(\.messageID)).count == 1, "a retry keeps the message id")
    }

    @Test("after the last attempt the task is dead-lettered with the headers a worker writes")
    func deadLettersAfterLastAttempt() async throws {
        var tasks = TaskRegistry()
        tasks.register(Greet.self) { task, context in throw Flaky(description: "no mailbox for \(task.name), attempt \(context.attempt)") }
        let queue = InMemoryTaskQueue(tasks: tasks, retryPolicy: RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(100), jitter: 0))
        try await queue.enqueue(Greet(name: "nobody"), to: greetings, options: .init(messageID: "nobody-1"))
        let attempts = try await queue.runUntilEmpty()
        #expect(attempts.map(\.disposition) == [.retry(after: .milliseconds(100)), .retry(after: .milliseconds(200)), .deadLetter(.maxAttemptsExceeded)])
        let dead = try #require(queue.deadLetters(of: greetings).first)
        #expect(queue.deadLetters(of: greetings).count == 1)
        #expect(dead.messageID == "nobody-1")
        #expect(dead.taskName == "greet")
        #expect(dead.reason == DeadLetterReason.maxAttemptsExceeded.rawValue)
        #expect(dead.attempts == 3)
        #expect(dead.lastError == "no mailbox for nobody, attempt 3")
        #expect(dead.properties.headers?[WarrenHeaders.queue] == .string("greetings"))
        #expect(dead.firstFailureAt != nil && dead.lastFailureAt != nil)
    }

    @Test("a permanent failure, a body that is not JSON, the wrong shape and an unknown task are dead at once, with their reasons")
    func poisonAndPermanentFailures() async throws {
        let handled = Atomic<Int>(0)
        var tasks = TaskRegistry()
        tasks.register(Greet.self) { task, _ in
            handled.add(1, ordering: .relaxed)
            if task.name == "doomed" { throw PermanentFailure("cannot greet doomed") }
        }
        let queue = InMemoryTaskQueue(tasks: tasks)
        try await queue.enqueue(Greet(name: "doomed"), to: greetings, options: .init(messageID: "permanent"))
        try queue.enqueue(body: Array("{not json".utf8), taskName: "greet", to: greetings, options: .init(messageID: "invalid"))
        try queue.enqueue(body: Array(#"{"nom":"x"}"#.utf8), taskName: "greet", to: greetings, options: .init(messageID: "shape"))
        try queue.enqueue(body: Array("{}".utf8), taskName: "wave", to: greetings, options: .init(messageID: "unknown"))
        let attempts = try await queue.runUntilEmpty()
        #expect(attempts.map(\.disposition) == [
            .deadLetter(.permanentFailure), .deadLetter(.invalidJSON), .deadLetter(.undecodablePayload), .deadLetter(.unknownTask),
        ])
        #expect(handled.load(ordering: .relaxed) == 1, "only the well-formed task reached the handler")
        let reasons = queue.deadLetters(of: greetings).map { "\($0.messageID ?? "-"): \($0.reason ?? "-")" }
        #expect(reasons == ["permanent: permanent-failure", "invalid: invalid-json", "shape: undecodable-payload", "unknown: unknown-task"])
        #expect(attempts[2].error.contains("missing key 'name'"))
    }

    @Test("delayed tasks run in the order they fall due, and the virtual clock follows")
    func delaysOrderTheQueue() async throws {
        let order = Mutex<[String]>([])
        var tasks = TaskRegistry()
        tasks.register(Greet.self) { task, _ in order.withLock { $0.append(task.name) } }
        let queue = InMemoryTaskQueue(tasks: tasks)
        try await queue.enqueue(Greet(name: "in-5s"), to: greetings, options: .init(delay: .seconds(5)))
        try await queue.enqueue(Greet(name: "now"), to: greetings)
        try await queue.enqueue(Greet(name: "in-1s"), to: greetings, options: .init(delay: .seconds(1)))
        try await queue.enqueue(Greet(name: "also-now"), to: greetings)
        #expect(queue.pending.map(\.due) == [.zero, .zero, .seconds(1), .seconds(5)])
        try await queue.runUntilEmpty()
        #expect(order.withLock { $0 } == ["now", "also-now", "in-1s", "in-5s"])
        #expect(queue.now == .seconds(5))
    }

    @Test("middlewares run around every attempt, as on a worker")
    func middlewaresRun() async throws {
        var tasks = TaskRegistry()
        tasks.register(Greet.self) { _, context in
            if context.attempt == 1 { throw Flaky(description: "once") }
        }
        let journal = Journal()
        let queue = InMemoryTaskQueue(tasks: tasks, retryPolicy: RetryPolicy(maxAttempts: 2, initialDelay: .seconds(1), jitter: 0), middlewares: [journal])
        try await queue.enqueue(Greet(name: "x"), to: greetings, options: .init(messageID: "m"))
        try await queue.runUntilEmpty()
        #expect(journal.lines.withLock { $0 } == [
            "received m #1", "settled m #1 retry(after: 1.0 seconds)", "received m #2", "settled m #2 succeeded",
        ])
    }

    @Test("a handler over its time limit fails the attempt")
    func timeLimit() async throws {
        var tasks = TaskRegistry()
        tasks.register(Greet.self, retry: RetryPolicy(maxAttempts: 1), timeLimit: .milliseconds(50)) { _, _ in
            try await Task.sleep(for: .seconds(30))
        }
        let queue = InMemoryTaskQueue(tasks: tasks)
        try await queue.enqueue(Greet(name: "slow"), to: greetings)
        let attempts = try await queue.runUntilEmpty()
        #expect(attempts.map(\.disposition) == [.deadLetter(.maxAttemptsExceeded)])
        #expect(attempts.first?.error.contains("time limit") == true)
    }

    @Test("the same refusals as the producer: a delay with an expiration, a shared id in a batch")
    func refusals() async throws {
        let queue = InMemoryTaskQueue(tasks: TaskRegistry())
        let both = await #expect(throws: WarrenError.self) {
            try await queue.enqueue(Greet(name: "x"), to: greetings, options: .init(delay: .seconds(1), expiration: .seconds(5)))
        }
        #expect(both?.code == .invalidArgument)
        #expect(both?.queue == "greetings")
        await #expect(throws: WarrenError.self) {
            try await queue.enqueue([Greet(name: "a"), Greet(name: "b")], to: greetings, options: .init(messageID: "same"))
        }
        #expect(queue.pending.isEmpty)
    }

    @Test("a task that does not encode is refused with encodingFailed, naming the task")
    func unencodable() async throws {
        let queue = InMemoryTaskQueue(tasks: TaskRegistry())
        let error = await #expect(throws: WarrenError.self) { try await queue.enqueue(Unencodable(), to: greetings) }
        #expect(error?.code == .encodingFailed)
        #expect(error?.taskName == "unencodable")
        #expect(error?.queue == "greetings")
        #expect(error?.underlying is EncodingError)
    }

    @Test("a handler that enqueues for ever stops at the bound with RunawayQueue")
    func runaway() async throws {
        let holder = Mutex<InMemoryTaskQueue?>(nil)
        let greetings = self.greetings
        var tasks = TaskRegistry()
        tasks.register(Greet.self) { task, _ in
            let queue = holder.withLock { $0 }
            try await queue?.enqueue(Greet(name: task.name + "+"), to: greetings)
        }
        let queue = InMemoryTaskQueue(tasks: tasks)
        holder.withLock { $0 = queue }
        try await queue.enqueue(Greet(name: "echo"), to: greetings)
        let error = await #expect(throws: RunawayQueue.self) { try await queue.runUntilEmpty(maxAttempts: 50) }
        #expect(error?.attempts == 50)
        #expect(error?.waiting == 1)
    }
}
