import DequeModule
import Logging
import Metrics
import Synchronization
import WarrenAMQP

/// The worker's side of ``TaskEvents``: ``emit(_:)`` never waits; ``run()`` publishes what was
/// emitted, in batches, until cancelled.
final class EventEmitter: Sendable {
    private struct State {
        var buffer: Deque<TaskEvent> = []
        var waiter: CheckedContinuation<Void, Never>?
        var stopping = false
    }

    private let settings: TaskEvents
    private let publisher: ConfirmedPublisher
    private let logger: Logger
    private let state = Mutex(State())
    private let dropped: Counter
    private let published: Counter

    init(settings: TaskEvents, connections: any AMQPConnectionProvider, queue: String, logger: Logger) {
        self.settings = settings
        // Short limits: a publish that cannot go through soon is dropped, not waited for.
        self.publisher = ConfirmedPublisher(
            connections: connections,
            settings: .init(maxOutstanding: 1024, maxPending: 4, retryLimit: .seconds(5), blockedLimit: .seconds(1)),
            logger: logger
        )
        self.logger = logger
        self.dropped = Counter(label: "warren_events_dropped_total", dimensions: [("queue", queue)])
        self.published = Counter(label: "warren_events_published_total", dimensions: [("queue", queue)])
    }

    /// Queues an event for publishing, or drops it (and counts it) when the buffer is full.
    func emit(_ event: TaskEvent) {
        let waiter: CheckedContinuation<Void, Never>?? = state.withLock { state in
            guard state.buffer.count < settings.bufferCapacity else { return .none }
            state.buffer.append(event)
            let waiter = state.waiter
            state.waiter = nil
            return .some(waiter)
        }
        switch waiter {
        case .none: dropped.increment()
        case .some(let waiter): waiter?.resume()
        }
    }

    /// Publishes emitted events until ``stop()``; then publishes what is left and returns.
    func run() async {
        do {
            try await publisher.withChannel { channel in
                try await TaskEvents.declareExchange(settings.exchange, on: channel)
            }
        } catch {
            logger.warning("could not declare the events exchange; events are published anyway", metadata: ["error": "\(error)"])
        }
        while await waitForEvents() {
            await publishBatch()
        }
    }

    /// Makes ``run()`` publish what is buffered and return.
    func stop() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.stopping = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Waits until there are events or the emitter stops; false once stopped with nothing left.
    private func waitForEvents() async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if !state.buffer.isEmpty || state.stopping { return true }
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
        return state.withLock { !$0.buffer.isEmpty || !$0.stopping }
    }

    private func publishBatch() async {
        let batch: [TaskEvent] = state.withLock { state in
            let count = min(settings.batchSize, state.buffer.count)
            let batch = Array(state.buffer.prefix(count))
            state.buffer.removeFirst(count)
            return batch
        }
        guard !batch.isEmpty else { return }
        do {
            let messages = try batch.map { event in
                AMQPOutboundMessage(
                    body: Array(try TaskEvent.encoder.encode(event)),
                    exchange: settings.exchange,
                    routingKey: event.kind.rawValue,
                    properties: AMQPProperties(
                        contentType: "application/json",
                        deliveryMode: settings.persistent ? .persistent : .transient,
                        correlationID: event.correlationID,
                        messageID: event.messageID,
                        timestamp: event.at,
                        type: event.kind.rawValue
                    )
                )
            }
            try await publisher.publish(messages)
            published.increment(by: Int64(messages.count))
        } catch {
            dropped.increment(by: Int64(batch.count))
            logger.debug("task events dropped", metadata: ["count": "\(batch.count)", "error": "\(error)"])
        }
    }
}
