import Foundation
import Logging
import ServiceLifecycle
import Warren

/// The demo, start to finish: a worker and a producer in one process, a few tasks, one of which
/// fails until it is dead-lettered.
struct DemoRun {
    let amqp: AMQPConnection.Configuration
    let queue: String
    let plan: DemoPlan
    let timeout: Duration
    let logger: Logger
    let narrator = DemoNarrator()
    let progress = DemoProgress()

    /// The demo's retry policy: 3 attempts, 0.5 s then 1 s apart, no jitter (so the story is exact).
    static let retryPolicy = RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(500), multiplier: 2, jitter: 0)

    /// Runs the demo; throws when something unexpected happened.
    func run() async throws {
        narrator.plain("Warren demo: \(plan.items.count) tasks on queue '\(queue)' at \(amqp.displayURL)")
        narrator.plain("A worker runs 4 tasks at a time; a failed task is retried \(Self.retryPolicy.maxAttempts - 1) times, then dead-lettered.")
        narrator.plain("")
        let connection = try await AMQPConnection.connect(amqp, logger: logger)
        do {
            try await run(on: connection)
            await connection.close()
        } catch {
            await connection.close()
            throw error
        }
    }

    private func run(on connection: AMQPConnection) async throws {
        let taskQueue = TaskQueue(queue)
        let producer = TaskProducer(connection: connection, configuration: .init(appID: "warren-demo"))
        try await producer.declare(taskQueue)
        let leftovers = try await connection.withChannel { channel in
            try await channel.queuePurge(taskQueue.name) + channel.queuePurge(taskQueue.deadLetterQueue)
        }
        if leftovers > 0 {
            narrator.say("emptied '\(queue)' and '\(taskQueue.deadLetterQueue)' of \(leftovers) messages from an earlier run")
        }

        let worker = Worker(
            configuration: Worker.Configuration(
                amqp: amqp, queue: taskQueue, concurrency: 4, retryPolicy: Self.retryPolicy,
                timeLimit: .seconds(10), shutdownGracePeriod: .seconds(2)
            ),
            tasks: registry(),
            logger: logger
        )
        let started = ContinuousClock.now
        // Stopped with a graceful shutdown, not by cancelling it: the dead letter is visible in
        // Q.dead as soon as the broker routes it, while the worker may still be waiting for its
        // confirm. Cancelled there, the worker took the publish for failed and rejected the original
        // to the queue's dead-letter exchange: a second copy of the same dead letter.
        let services = ServiceGroup(services: [worker], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            narrator.say("worker started")
            do {
                try await enqueue(with: producer)
                try await waitUntilSettled(on: connection)
            } catch {
                group.cancelAll()
                throw error
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        narrator.say("worker stopped")
        let elapsed = (ContinuousClock.now - started).secondsValue
        try await report(on: connection, taskQueue: taskQueue, elapsed: elapsed)
    }

    private func registry() -> TaskRegistry {
        var tasks = TaskRegistry()
        let (narrator, progress) = (self.narrator, self.progress)
        let policy = Self.retryPolicy
        tasks.register(ResizeImage.self) { task, _ in
            try await Task.sleep(for: .milliseconds(50))
            progress.succeeded(task.number)
            narrator.say("✔ resize-image #\(task.number) done (\(task.image) → \(task.width) px wide)")
        }
        tasks.register(ChargeCard.self) { task, context in
            try await Task.sleep(for: .milliseconds(20))
            guard task.card != ChargeCard.declinedCard else {
                let attempts = "\(context.attempt)/\(context.maxAttempts)"
                if context.isLastAttempt {
                    progress.gaveUp(task.number)
                    narrator.say("✖ charge-card #\(task.number) dead-lettered after \(context.attempt) attempts: card declined")
                } else {
                    progress.retried()
                    let delay = policy.nominalDelay(afterAttempt: context.attempt).secondsValue
                    narrator.say("↻ charge-card #\(task.number) failed (attempt \(attempts)), retrying in \(Self.seconds(delay)) s")
                }
                throw CardDeclined()
            }
            progress.succeeded(task.number)
            narrator.say("✔ charge-card #\(task.number) done (charged $\(task.cents / 100).\(Self.twoDigits(task.cents % 100)))")
        }
        return tasks
    }

    private func enqueue(with producer: TaskProducer) async throws {
        for item in plan.items {
            let receipt: EnqueuedTask
            switch item {
            case .resize(let task): receipt = try await producer.enqueue(task, to: queue)
            case .charge(let task): receipt = try await producer.enqueue(task, to: queue)
            }
            let note = item.number == plan.failingNumber ? " (card \(ChargeCard.declinedCard): always declined)" : ""
            narrator.say("→ enqueued \(receipt.taskName) #\(item.number)\(note)")
        }
    }

    /// Waits until every task succeeded or reached the dead-letter queue, at most ``timeout``.
    private func waitUntilSettled(on connection: AMQPConnection) async throws {
        let deadline = ContinuousClock.now + timeout
        let deadQueue = TaskQueue(queue).deadLetterQueue
        while ContinuousClock.now < deadline {
            let dead = try await connection.inspectQueue(deadQueue)?.messageCount ?? 0
            if progress.doneCount >= plan.expectedSuccesses, dead >= 1 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CLIFailure(
            "the demo did not finish within \(timeout): \(progress.doneCount) of \(plan.expectedSuccesses) tasks done"
        )
    }

    private func report(on connection: AMQPConnection, taskQueue: TaskQueue, elapsed: Double) async throws {
        let deadQueue = taskQueue.deadLetterQueue
        let records = try await connection.withChannel { channel in
            var records: [DeadLetterRecord] = []
            while let delivery = try await channel.get(queue: deadQueue) { records.append(DeadLetterRecord(DeadLetter(delivery))) }
            return records
        }
        narrator.plain("")
        narrator.plain("Dead letters in '\(deadQueue)' (they stay there until replayed or purged):")
        var table = Table(headers: ["MESSAGE ID", "TASK", "REASON", "ATTEMPTS", "LAST ERROR"], numeric: [3])
        for record in records {
            table.append([
                record.messageID ?? "-", record.task ?? "-", record.reason ?? "-",
                record.attempts.map { String($0) } ?? "-", record.lastError ?? "-",
            ])
        }
        for line in table.render() { narrator.plain("  " + line) }
        narrator.plain("")
        narrator.plain(
            "Summary: \(progress.doneCount) done, \(records.count) dead-lettered, \(progress.retryCount) retries, in \(Self.seconds(elapsed)) s."
        )
        narrator.plain("Next: warren dead-letters list --queue \(queue)   |   warren dead-letters replay --queue \(queue)")

        let expected = records.count == 1
            && records.first?.reason == DeadLetterReason.maxAttemptsExceeded.rawValue
            && records.first?.attempts == Int64(Self.retryPolicy.maxAttempts)
            && progress.doneCount == plan.expectedSuccesses
        guard expected else {
            throw CLIFailure("unexpected outcome: \(progress.doneCount) tasks done and \(records.count) dead letters; expected \(plan.expectedSuccesses) and 1")
        }
    }

    static func seconds(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
