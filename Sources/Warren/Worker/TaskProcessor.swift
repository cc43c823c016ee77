#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import WarrenAMQP

/// Runs one delivery through the middlewares and its handler, decides what follows
/// (``TaskDisposition/decide(error:attempt:policy:interrupted:random:)``) and carries it out: ack on
/// success; on failure a retry copy through the delay exchanges or a dead letter to `Q.dead`, each
/// published with a confirm before the original is acked, so a task is never lost between the two.
struct TaskProcessor: Sendable {
    let queue: String
    let registry: TaskRegistry
    let retryPolicy: RetryPolicy
    let timeLimit: Duration?
    let publisher: ConfirmedPublisher
    let failures: FailureMessages
    /// Logging, metrics, events and the application's middlewares.
    let chain: MiddlewareChain
    let logger: Logger

    /// The attempt a message is on: its `x-warren-attempt` header, 1 when missing or below 1.
    static func attempt(of properties: AMQPProperties) -> Int {
        max(1, Int(properties.headers?[WarrenHeaders.attempt]?.intValue ?? 1))
    }

    /// Gives back a delivery the worker will not run (see ``HandBack``), without spending its
    /// delivery attempts on a quorum queue.
    func handBack(_ delivery: AMQPDelivery, method: HandBack) async {
        let logger = TaskLogger(
            base: self.logger, task: delivery.properties.type ?? "", messageID: delivery.properties.messageID ?? "-",
            attempt: Self.attempt(of: delivery.properties)
        )
        guard method == .republish else {
            settle(delivery, logger: logger) { try delivery.nack(requeue: true) }
            return
        }
        // The publish must not be cut short by the cancellation of a stopping worker's task: it runs
        // in a task of its own, which does not inherit that cancellation, and is awaited to the end.
        let publisher = self.publisher
        let copy = AMQPOutboundMessage.copy(body: delivery.body, properties: delivery.properties, toQueue: queue)
        let published = await Task { () -> (any Error)? in
            do {
                try await publisher.publish(copy)
                return nil
            } catch {
                return error
            }
        }.value
        if let error = published {
            logger.warning(
                "could not republish the task to give it back; returning it with a requeue, which counts as a delivery",
                metadata: ["publish_error": "\(error)"]
            )
            settle(delivery, logger: logger) { try delivery.nack(requeue: true) }
        } else {
            settle(delivery, logger: logger) { try delivery.ack() }
        }
    }

    func process(_ delivery: AMQPDelivery, handBack method: HandBack = .requeue) async {
        let properties = delivery.properties
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
            redelivered: delivery.redelivered,
            correlationID: properties.correlationID,
            enqueuedAt: properties.timestamp,
            headers: properties.headers ?? [:],
            baseLogger: self.logger
        )
        await chain.received(context)

        guard let entry else {
            let refusal = taskName.isEmpty
                ? "the message has no task name (AMQP 'type' property)"
                : "no handler is registered for task '\(taskName)' on queue '\(queue)'"
            await deadLetter(delivery, messageID: messageID, attempt: attempt, reason: .unknownTask, error: refusal, logger: logger)
            await chain.settled(context, TaskSettlement(disposition: .deadLetter(.unknownTask), refusal: refusal))
            return
        }

        let started = ContinuousClock.now
        var failure: (any Error)?
        do {
            let limit = entry.timeLimit ?? timeLimit
            try await chain.run(context) { context in
                try await withTimeLimit(limit) { try await entry.run(delivery.body, context) }
            }
        } catch {
            failure = error
        }
        let duration = ContinuousClock.now - started
        let disposition = TaskDisposition.decide(error: failure, attempt: attempt, policy: policy, interrupted: Task.isCancelled)
        switch disposition {
        case .succeeded:
            settle(delivery, logger: logger) { try delivery.ack() }
        case .retry(let delay):
            await retry(delivery, messageID: messageID, attempt: attempt, error: Self.describe(failure), delay: delay, logger: logger)
        case .deadLetter(let reason):
            await deadLetter(delivery, messageID: messageID, attempt: attempt, reason: reason, error: Self.describe(failure), logger: logger)
        case .handBack:
            // The worker is stopping and gave up waiting: the message goes back for another worker.
            await handBack(delivery, method: method)
        }
        await chain.settled(context, TaskSettlement(disposition: disposition, error: failure, duration: duration))
    }

    /// The text recorded for a failure: a refused body's detail, or the error's description.
    static func describe(_ failure: (any Error)?) -> String {
        guard let failure else { return "" }
        if let poison = failure as? PoisonMessage { return poison.detail }
        return "\(failure)"
    }

    private func retry(_ delivery: AMQPDelivery, messageID: String, attempt: Int, error: String, delay: Duration, logger: TaskLogger) async {
        let message = failures.retry(
            body: delivery.body, properties: delivery.properties, messageID: messageID, failedAttempt: attempt,
            error: error, delay: delay, now: Date()
        )
        do {
            try await publisher.publish(message)
            settle(delivery, logger: logger) { try delivery.ack() }
        } catch {
            // The retry copy is not safely stored: give the original back rather than lose it.
            logger.error("could not publish the retry; returning the task to its queue", metadata: ["publish_error": "\(error)"])
            settle(delivery, logger: logger) { try delivery.nack(requeue: true) }
        }
    }

    private func deadLetter(
        _ delivery: AMQPDelivery,
        messageID: String,
        attempt: Int,
        reason: DeadLetterReason,
        error: String,
        logger: TaskLogger
    ) async {
        let message = failures.deadLetter(
            body: delivery.body, properties: delivery.properties, messageID: messageID, attempt: attempt,
            reason: reason, error: error, now: Date()
        )
        do {
            try await publisher.publish(message)
            settle(delivery, logger: logger) { try delivery.ack() }
        } catch {
            // Let the broker dead-letter it through the queue's own dead-letter exchange instead; the
            // reason is then only in this log and the x-death header.
            logger.error("could not publish the dead letter; rejecting it to the queue's dead-letter exchange", metadata: ["publish_error": "\(error)"])
            settle(delivery, logger: logger) { try delivery.nack(requeue: false) }
        }
    }

    /// Acks or nacks; a failure means the channel is gone and the broker redelivers the message.
    private func settle(_ delivery: AMQPDelivery, logger: TaskLogger, _ body: () throws -> Void) {
        do {
            try body()
        } catch {
            logger.warning("could not settle the delivery; the broker will redeliver it", metadata: ["error": "\(error)"])
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product + attoseconds / 1_000_000_000
    }
}

/// A logger for one task's lines: the task name, message id and attempt are added to each line's
/// metadata when it is logged, not set on the logger up front (swift-log's stream handler renders its
/// metadata on every change, which cost more per task than the rest of the worker's bookkeeping).
struct TaskLogger {
    let base: Logger
    let task: String
    let messageID: String
    let attempt: Int

    private func metadata(_ extra: Logger.Metadata?) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["task": "\(task)", "message_id": "\(messageID)", "attempt": "\(attempt)"]
        if let extra { metadata.merge(extra) { _, new in new } }
        return metadata
    }

    func info(_ message: @autoclosure () -> Logger.Message, metadata extra: @autoclosure () -> Logger.Metadata? = nil) {
        base.info(message(), metadata: metadata(extra()))
    }

    func warning(_ message: @autoclosure () -> Logger.Message, metadata extra: @autoclosure () -> Logger.Metadata? = nil) {
        base.warning(message(), metadata: metadata(extra()))
    }

    func error(_ message: @autoclosure () -> Logger.Message, metadata extra: @autoclosure () -> Logger.Metadata? = nil) {
        base.error(message(), metadata: metadata(extra()))
    }
}
