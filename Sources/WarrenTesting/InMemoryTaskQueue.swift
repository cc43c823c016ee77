#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Synchronization
import Warren

/// Task queues in memory, for testing handlers without RabbitMQ: it enqueues like a `WarrenClient`
/// (the same `TaskEnqueuer` protocol, the same JSON and message properties) and runs tasks
/// like a `Worker` (the same decoding, middlewares, time limits, retry and dead-letter
/// decisions, and the same headers on retries and dead letters).
///
/// ```swift
/// let queue = InMemoryTaskQueue(tasks: tasks, retryPolicy: RetryPolicy(maxAttempts: 3))
/// let service = SignupService(tasks: queue)          // takes any TaskEnqueuer
/// try await service.signUp(user)
/// try await queue.runUntilEmpty()
/// #expect(queue.deadLetters(of: emails).isEmpty)
/// ```
///
/// Nothing runs until you ask: ``runNext()`` runs one attempt, ``runUntilEmpty(maxAttempts:)`` every
/// task and the retries they cause. Time is virtual: a delayed task or a retry is due its delay after
/// the virtual moment it was enqueued, and the queue runs the task due first (in enqueue order when
/// several are due together) without waiting, so back-off schedules run in microseconds and in a
/// fixed order. Handlers run one at a time.
public final class InMemoryTaskQueue: TaskEnqueuer, Sendable {
    /// A task waiting to run: its message as a worker would receive it.
    public struct Message: Sendable {
        /// The task queue it is on.
        public var queue: String
        /// The JSON body.
        public var body: [UInt8]
        /// The message properties (task name in `type`, message id, the `x-warren-*` headers).
        public var properties: AMQPProperties
        /// When it is due, in the queue's virtual time since it was made.
        public var due: Duration

        /// The task name.
        public var taskName: String { properties.type ?? "" }
        /// The message id.
        public var messageID: String { properties.messageID ?? "" }
        /// The attempt it will run as, from 1.
        public var attempt: Int { max(1, Int(properties.headers?[WarrenHeaders.attempt]?.intValue ?? 1)) }
    }

    /// One attempt that ran, and what followed.
    public struct Attempt: Sendable {
        /// The task queue.
        public var queue: String
        /// The task name.
        public var taskName: String
        /// The message id.
        public var messageID: String
        /// The attempt, from 1.
        public var attempt: Int
        /// What followed: success, a retry after a delay, a dead letter with its reason.
        public var disposition: TaskDisposition
        /// The failure's text; empty on success.
        public var error: String
        /// When it ran, in the queue's virtual time.
        public var at: Duration
    }

    private struct State {
        var ready: [Message] = []
        var attempts: [Attempt] = []
        var deadLetters: [String: [DeadLetter]] = [:]
        var now: Duration = .zero
    }

    private let tasks: TaskRegistry
    private let retryPolicy: RetryPolicy
    private let timeLimit: Duration?
    private let middlewares: [any TaskMiddleware]
    private let logger: Logger
    private let topology = Topology()
    private let state = Mutex(State())

    /// Queues that run `tasks`' handlers.
    /// - Parameters:
    ///   - tasks: The handlers, as given to a worker.
    ///   - retryPolicy: Retries for handlers registered without a policy of their own.
    ///   - timeLimit: The time limit for handlers registered without one (real time); nil means none.
    ///   - middlewares: The application's middlewares, run around every task as a worker runs them.
    ///   - logger: The worker-side logger (the handlers' `context.logger` derives from it).
    public init(
        tasks: TaskRegistry,
        retryPolicy: RetryPolicy = .default,
        timeLimit: Duration? = nil,
        middlewares: [any TaskMiddleware] = [],
        logger: Logger = Logger(label: "warren.testing")
    ) {
        self.tasks = tasks
        self.retryPolicy = retryPolicy
        self.timeLimit = timeLimit
        self.middlewares = middlewares
        self.logger = logger
    }

    // MARK: - Enqueueing

    /// Enqueues a task as a `WarrenClient` would: the same JSON body and properties, and the
    /// same refusals as `WarrenError`s (a task that does not encode, a delay together with an
    /// expiration).
    @discardableResult
    public func enqueue<TaskType: WarrenTask>(
        _ task: TaskType,
        to queue: TaskQueue,
        options: EnqueueOptions = EnqueueOptions()
    ) async throws -> EnqueuedTask {
        let body: [UInt8]
        do {
            body = try TaskProducer.encode(task)
        } catch {
            throw WarrenError.enqueue(error, taskName: TaskType.name, messageID: options.messageID, queue: queue.name)
        }
        return try enqueue(body: body, taskName: TaskType.name, to: queue, options: options)
    }

    /// Enqueues several tasks of one type; `options.messageID` must be nil.
    @discardableResult
    public func enqueue<TaskType: WarrenTask>(
        _ tasks: [TaskType],
        to queue: TaskQueue,
        options: EnqueueOptions = EnqueueOptions()
    ) async throws -> [EnqueuedTask] {
        try options.checkBatch()
        var receipts: [EnqueuedTask] = []
        for task in tasks { receipts.append(try await enqueue(task, to: queue, options: options)) }
        return receipts
    }

    /// Enqueues a task given as JSON bytes (as another language's producer would send it).
    @discardableResult
    public func enqueue(
        body: [UInt8],
        taskName: String,
        to queue: TaskQueue,
        options: EnqueueOptions = EnqueueOptions()
    ) throws -> EnqueuedTask {
        try options.check(queue: queue.name)
        let messageID = options.messageID ?? TaskProducer.newMessageID()
        let properties = TaskProducer.properties(taskName: taskName, messageID: messageID, options: options, appID: nil)
        state.withLock { state in
            state.ready.append(Message(queue: queue.name, body: body, properties: properties, due: state.now + (options.delay ?? .zero)))
        }
        return EnqueuedTask(messageID: messageID, taskName: taskName, destination: queue.name)
    }

    // MARK: - Running

    /// Runs the task due first, one attempt, and returns what happened; nil when no task is waiting.
    /// A failed attempt leaves its retry waiting (due after the back-off), or a dead letter.
    @discardableResult
    public func runNext() async -> Attempt? {
        let next: Message? = state.withLock { state in
            guard let index = state.ready.indices.min(by: { state.ready[$0].due < state.ready[$1].due }) else { return nil }
            let message = state.ready.remove(at: index)
            state.now = max(state.now, message.due)
            return message
        }
        guard let message = next else { return nil }
        return await run(message)
    }

    /// Runs tasks, and the retries they cause, until none is waiting.
    /// - Parameter maxAttempts: A bound on the attempts run, against a handler that enqueues for ever.
    /// - Returns: The attempts run, in order.
    /// - Throws: ``RunawayQueue`` when tasks are still waiting after `maxAttempts` attempts.
    @discardableResult
    public func runUntilEmpty(maxAttempts: Int = 10_000) async throws -> [Attempt] {
        var ran: [Attempt] = []
        while let attempt = await runNext() {
            ran.append(attempt)
            if ran.count >= maxAttempts, !pending.isEmpty {
                throw RunawayQueue(attempts: ran.count, waiting: pending.count)
            }
        }
        return ran
    }

    private func run(_ message: Message) async -> Attempt {
        let runner = TaskRunner(
            queue: message.queue, registry: tasks, retryPolicy: retryPolicy, timeLimit: timeLimit,
            middlewares: middlewares, logger: logger
        )
        let failures = FailureMessages(queue: message.queue, topology: topology)
        let at = state.withLock { $0.now }
        var attempt = Attempt(
            queue: message.queue, taskName: message.taskName, messageID: message.messageID, attempt: message.attempt,
            disposition: .succeeded, error: "", at: at
        )
        await runner.run(body: message.body, properties: message.properties, redelivered: false) { decision in
            attempt.disposition = decision.disposition
            attempt.error = decision.error
            let now = Date()
            switch decision.disposition {
            case .succeeded:
                break
            case .retry(let delay):
                let copy = failures.retry(
                    body: message.body, properties: message.properties, messageID: decision.messageID,
                    failedAttempt: decision.attempt, error: decision.error, delay: delay, now: now
                )
                state.withLock { state in
                    state.ready.append(Message(queue: message.queue, body: copy.body, properties: copy.properties, due: state.now + delay))
                }
            case .deadLetter(let reason):
                let dead = failures.deadLetter(
                    body: message.body, properties: message.properties, messageID: decision.messageID,
                    attempt: decision.attempt, reason: reason, error: decision.error, now: now
                )
                state.withLock { state in
                    state.deadLetters[message.queue, default: []].append(DeadLetter(body: dead.body, properties: dead.properties))
                }
            case .handBack:
                // Only a cancelled run hands back: the task waits again, as on a stopping worker.
                state.withLock { $0.ready.append(message) }
            }
        }
        state.withLock { $0.attempts.append(attempt) }
        return attempt
    }

    // MARK: - Inspecting

    /// The tasks waiting to run, due first first.
    public var pending: [Message] {
        state.withLock { $0.ready }.enumerated().sorted { ($0.element.due, $0.offset) < ($1.element.due, $1.offset) }.map(\.element)
    }

    /// Every attempt run so far, in order.
    public var attempts: [Attempt] { state.withLock { $0.attempts } }

    /// The dead letters of `queue`, oldest first, as `DeadLetterQueue.list(limit:)` would
    /// list them from RabbitMQ.
    public func deadLetters(of queue: TaskQueue) -> [DeadLetter] {
        state.withLock { $0.deadLetters[queue.name] ?? [] }
    }

    /// The queue's virtual time: the due time of the last task run.
    public var now: Duration { state.withLock { $0.now } }
}

/// ``InMemoryTaskQueue/runUntilEmpty(maxAttempts:)`` ran its bound of attempts and tasks were still
/// waiting: a handler that enqueues for ever, or a bound too low for the test.
public struct RunawayQueue: Error, CustomStringConvertible {
    /// The attempts run.
    public var attempts: Int
    /// The tasks still waiting.
    public var waiting: Int

    public var description: String {
        "\(waiting) task(s) still waiting after \(attempts) attempts; a handler may enqueue for ever, or raise maxAttempts"
    }
}
