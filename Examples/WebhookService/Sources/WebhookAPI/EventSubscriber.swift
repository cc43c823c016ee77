import Logging
import ServiceLifecycle
import Synchronization
import Warren
import WebhookShared

/// Keeps the job store up to date from the workers' lifecycle events: a swift-service-lifecycle
/// `Service`.
///
/// It consumes its own durable queue (bound to the events exchange with `task.#`), so events sent
/// while the service is down wait there for it. Each event of ``DeliverWebhook`` tasks on the task
/// queue is applied with ``JobStore/apply(_:now:)`` and then acked; an event the store could not take
/// goes back to the queue. A lost connection is replaced, with back-off, until shutdown.
public final class EventSubscriber: Service, Sendable {
    /// Whether it is stopping, and the consumer to cancel when it does.
    private struct Stop {
        var requested = false
        var consumer: AMQPConsumer?
    }

    private let connections: any AMQPConnectionProvider
    private let store: JobStore
    private let queue: String
    private let names: SharedNames
    private let logger: Logger
    private let subscribed = Atomic(false)
    private let stop = Mutex(Stop())

    /// A subscriber on its durable `queue`, for tasks of `names.taskQueue` on `names.eventsExchange`.
    public init(connections: any AMQPConnectionProvider, store: JobStore, queue: String, names: SharedNames, logger: Logger) {
        self.connections = connections
        self.store = store
        self.queue = queue
        self.names = names
        self.logger = logger
    }

    /// True while it consumes (for the health check).
    public var isSubscribed: Bool { subscribed.load(ordering: .relaxed) }

    /// Consumes until graceful shutdown (or cancellation).
    ///
    /// Graceful shutdown cancels the consumer at the broker rather than the task: the events
    /// already received are applied and acked, then the channel is closed, and nothing is left
    /// half-done. (Cancelling the task instead would also cancel the channel's `close()`.)
    public func run() async throws {
        await withGracefulShutdownHandler {
            await self.consumeUntilStopped()
        } onGracefulShutdown: {
            let consumer = self.stop.withLock { stop -> AMQPConsumer? in
                stop.requested = true
                return stop.consumer
            }
            if let consumer { Task { try? await consumer.cancel() } }
        }
    }

    private var isStopping: Bool { Task.isCancelled || stop.withLock { $0.requested } }

    private func consumeUntilStopped() async {
        let backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(5))
        var failures = 0
        while !isStopping {
            do {
                try await consumeOnce { failures = 0 }
            } catch {
                subscribed.store(false, ordering: .relaxed)
                if isStopping { break }
                failures += 1
                let pause = backoff.delay(attempt: failures)
                logger.warning("event subscription lost; subscribing again", metadata: ["error": "\(error)", "retry_in": "\(pause)"])
                // Sleep in short steps, so that a shutdown does not wait for the whole pause.
                let end = ContinuousClock.now + pause
                while !isStopping && ContinuousClock.now < end {
                    try? await Task.sleep(for: min(.milliseconds(100), end - .now))
                }
            }
        }
        subscribed.store(false, ordering: .relaxed)
        logger.debug("event subscriber stopped")
    }

    /// One subscription: open a channel, declare and bind the queue, apply events until the
    /// consumer ends (cancelled at shutdown, or lost with its channel or connection).
    private func consumeOnce(onSubscribed: () -> Void) async throws {
        let connection = try await connections.connection()
        let channel = try await connection.openChannel()
        do {
            let consumer = try await TaskEvents.subscribe(on: channel, queue: queue, exchange: names.eventsExchange, prefetch: 64)
            let stopping = stop.withLock { stop -> Bool in
                stop.consumer = consumer
                return stop.requested
            }
            if stopping { try? await consumer.cancel() }
            subscribed.store(true, ordering: .relaxed)
            onSubscribed()
            logger.info("subscribed to task events", metadata: ["queue": "\(queue)", "exchange": "\(names.eventsExchange)"])
            for try await delivery in consumer {
                await handle(delivery)
            }
        } catch {
            subscribed.store(false, ordering: .relaxed)
            stop.withLock { $0.consumer = nil }
            try? await channel.close()
            throw error
        }
        subscribed.store(false, ordering: .relaxed)
        stop.withLock { $0.consumer = nil }
        // Closing the channel returns the deliveries not yet acked to the queue.
        try? await channel.close()
        if !isStopping {
            throw AMQPError(.consumerCancelled, "the event consumer ended")
        }
    }

    private func handle(_ delivery: AMQPDelivery) async {
        let event: TaskEvent
        do {
            event = try TaskEvent(from: delivery)
        } catch {
            logger.warning("dropping an event that does not decode", metadata: ["error": "\(error)", "body": "\(delivery.bodyString.prefix(200))"])
            settle { try delivery.ack() }
            return
        }
        guard event.task == DeliverWebhook.name, event.queue == names.taskQueue else {
            settle { try delivery.ack() }  // another task or queue: not ours
            return
        }
        do {
            let known = try await store.apply(event)
            if !known {
                logger.debug("event for an unknown job", metadata: ["job_id": "\(event.messageID)", "event": "\(event.kind.rawValue)"])
            }
            settle { try delivery.ack() }
        } catch {
            logger.error("could not store an event; returning it to the queue", metadata: ["job_id": "\(event.messageID)", "error": "\(error)"])
            try? await Task.sleep(for: .seconds(1))
            settle { try delivery.nack(requeue: true) }
        }
    }

    private func settle(_ body: () throws -> Void) {
        do { try body() } catch { logger.debug("could not settle an event delivery", metadata: ["error": "\(error)"]) }
    }
}
