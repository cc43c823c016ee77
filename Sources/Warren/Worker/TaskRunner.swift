#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Tracing
import WarrenAMQP

/// One attempt of a task, from its message to the decision that follows, apart from where the message
/// came from: the worker runs RabbitMQ deliveries through it (``TaskProcessor``), WarrenTesting's
/// in-memory queue its own messages, so both run handlers the same way.
///
/// The attempt goes through the middlewares and the handler within its time limit; the decision is
/// ``TaskDisposition/decide(error:attempt:policy:interrupted:random:)``; the caller carries it out
/// before the middlewares hear how the attempt settled.
package struct TaskRunner: Sendable {
    /// What the caller gets to carry out the decision.
    package struct Decision {
        package var disposition: TaskDisposition
        package var messageID: String
        package var attempt: Int
        /// The failure's text: a refused body's detail, or the error's description; empty on success.
        package var error: String
        package var logger: TaskLogger
    }

    package let queue: String
    let registry: TaskRegistry
    let retryPolicy: RetryPolicy
    let timeLimit: Duration?
    /// Logging, metrics, events and the application's middlewares.
    let chain: MiddlewareChain
    /// A consumer span per attempt; nil without a tracer.
    let tracing: TaskTracing?
    let logger: Logger

    init(
        queue: String,
        registry: TaskRegistry,
        retryPolicy: RetryPolicy,
        timeLimit: Duration?,
        chain: MiddlewareChain,
        tracing: TaskTracing?,
        logger: Logger
    ) {
        self.queue = queue
        self.registry = registry
        self.retryPolicy = retryPolicy
        self.timeLimit = timeLimit
        self.chain = chain
        self.tracing = tracing
        self.logger = logger
    }

    /// A runner with the worker's logging middleware and the application's `middlewares` (no metrics,
    /// no lifecycle events), for WarrenTesting.
    package init(
        queue: String,
        registry: TaskRegistry,
        retryPolicy: RetryPolicy,
        timeLimit: Duration?,
        middlewares: [any TaskMiddleware],
        tracer: (any Tracer)? = nil,
        logger: Logger
    ) {
        self.init(
            queue: queue, registry: registry, retryPolicy: retryPolicy, timeLimit: timeLimit,
            chain: MiddlewareChain(logging: LoggingMiddleware(logger: logger), middlewares: middlewares),
            tracing: TaskTracing.resolve(tracer),
            logger: logger
        )
    }

    /// The attempt a message is on: its `x-warren-attempt` header, 1 when missing or below 1.
    package static func attempt(of properties: AMQPProperties) -> Int {
        max(1, Int(properties.headers?[WarrenHeaders.attempt]?.intValue ?? 1))
    }

    /// Runs the attempt `properties` say the message is on, calls `carryOut` with the decision, then
    /// tells the middlewares how the attempt settled.
    package func run(
        body: [UInt8],
        properties: AMQPProperties,
        redelivered: Bool,
        carryOut: (Decision) async -> Void
    ) async {
        let taskName = properties.type ?? ""
        let messageID = properties.messageID ?? "generated-\(UUID().uuidString.lowercased())"
        let attempt = Self.attempt(of: properties)
        // Metadata goes with each log call, so it is only rendered when a line is logged.
        let logger = TaskLogger(base: self.logger, task: taskName, messageID: messageID, attempt: attempt)
        let entry = taskName.isEmpty ? nil : registry.entry(for: taskName)
        let policy = entry?.retryPolicy ?? retryPolicy
        let context = TaskContext(
            taskName: taskName,
            messageID: messageID,
            queue: queue,
            attempt: attempt,
            maxAttempts: policy.maxAttempts,
            redelivered: redelivered,
            correlationID: properties.correlationID,
            enqueuedAt: properties.timestamp,
            headers: properties.headers ?? [:],
            baseLogger: self.logger
        )
        guard let tracing else {
            await runAttempt(context, entry: entry, policy: policy, body: body, logger: logger, span: nil, carryOut: carryOut)
            return
        }
        await tracing.processing(
            taskName: taskName, queue: queue, messageID: messageID, attempt: attempt, headers: context.headers, logger: self.logger
        ) { span in
            await self.runAttempt(context, entry: entry, policy: policy, body: body, logger: logger, span: span, carryOut: carryOut)
        }
    }

    /// The attempt itself: the middlewares, the handler, the decision, its execution (`carryOut`).
    private func runAttempt(
        _ context: TaskContext,
        entry: TaskRegistry.Entry?,
        policy: RetryPolicy,
        body: [UInt8],
        logger: TaskLogger,
        span: (any Span)?,
        carryOut: (Decision) async -> Void
    ) async {
        let taskName = context.taskName
        let messageID = context.messageID
        let attempt = context.attempt
        await chain.received(context)

        guard let entry else {
            let refusal = taskName.isEmpty
                ? "the message has no task name (AMQP 'type' property)"
                : "no handler is registered for task '\(taskName)' on queue '\(queue)'"
            let disposition = TaskDisposition.deadLetter(.unknownTask)
            if let span { TaskTracing.record(disposition, failure: nil, on: span) }
            await carryOut(Decision(disposition: disposition, messageID: messageID, attempt: attempt, error: refusal, logger: logger))
            await chain.settled(context, TaskSettlement(disposition: disposition, refusal: refusal))
            return
        }

        let started = ContinuousClock.now
        var failure: (any Error)?
        do {
            let limit = entry.timeLimit ?? timeLimit
            try await chain.run(context) { context in
                try await withTimeLimit(limit) { try await entry.run(body, context) }
            }
        } catch {
            failure = error
        }
        let duration = ContinuousClock.now - started
        let disposition = TaskDisposition.decide(error: failure, attempt: attempt, policy: policy, interrupted: Task.isCancelled)
        if let span { TaskTracing.record(disposition, failure: failure, on: span) }
        await carryOut(Decision(disposition: disposition, messageID: messageID, attempt: attempt, error: Self.describe(failure), logger: logger))
        await chain.settled(context, TaskSettlement(disposition: disposition, error: failure, duration: duration))
    }

    /// The text recorded for a failure: a refused body's detail, or the error's description.
    static func describe(_ failure: (any Error)?) -> String {
        guard let failure else { return "" }
        if let poison = failure as? PoisonMessage { return poison.detail }
        return "\(failure)"
    }
}
