#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import WarrenAMQP

/// Runs one delivery through a ``TaskRunner`` (the middlewares, the handler, the decision) and
/// carries the decision out: ack on success; on failure a retry copy through the delay exchanges or a
/// dead letter to `Q.dead`, each published with a confirm before the original is acked, so a task is
/// never lost between the two.
struct TaskProcessor: Sendable {
    let runner: TaskRunner
    let publisher: ConfirmedPublisher
    let failures: FailureMessages
    let logger: Logger

    var queue: String { runner.queue }

    static func attempt(of properties: AMQPProperties) -> Int {
        TaskRunner.attempt(of: properties)
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
        await runner.run(body: delivery.body, properties: delivery.properties, redelivered: delivery.redelivered) { decision in
            switch decision.disposition {
            case .succeeded:
                settle(delivery, logger: decision.logger) { try delivery.ack() }
            case .retry(let delay):
                await retry(
                    delivery, messageID: decision.messageID, attempt: decision.attempt, error: decision.error, delay: delay,
                    logger: decision.logger
                )
            case .deadLetter(let reason):
                await deadLetter(
                    delivery, messageID: decision.messageID, attempt: decision.attempt, reason: reason, error: decision.error,
                    logger: decision.logger
                )
            case .handBack:
                // The worker is stopping and gave up waiting: the message goes back for another worker.
                await handBack(delivery, method: method)
            }
        }
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
package struct TaskLogger {
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
