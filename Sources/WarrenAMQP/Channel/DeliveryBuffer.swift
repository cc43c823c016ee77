import Synchronization

/// A consumer's deliveries on their way from the I/O thread to the task iterating the consumer.
///
/// Built for this one job rather than on `AsyncThrowingStream`, whose generic yield cost about
/// 5,000 instructions per message in the profile (docs/benchmarks.md): it is not generic, the I/O
/// thread appends under one lock, and the iterator takes everything buffered in one go, so it takes
/// the lock and suspends only when the buffer is really empty. The I/O thread wakes a waiting
/// iterator after ``wakeThreshold`` deliveries or at the end of each read batch (``flush()``),
/// so a burst costs one wake-up, not one per message.
///
/// It ends in one of two ways: ``finish(throwing:)`` (the consumer was cancelled, or the channel or
/// connection ended: buffered deliveries are still handed out first, then the error if any), or
/// ``cancel()`` (the application stopped iterating: the `onCancel` handler asks the broker to cancel
/// the consumer, and buffered deliveries are nacked with requeue, so they go back to the queue at
/// once instead of holding prefetch slots until the channel closes).
final class DeliveryBuffer: Sendable {
    /// Whether a delivery was taken.
    enum YieldOutcome {
        case enqueued
        /// The buffer has ended; the caller must give the delivery back to the broker.
        case terminated
    }

    private struct State {
        var items: [AMQPDelivery] = []
        var waiter: UnsafeContinuation<Void, Never>?
        /// Set by finish: how the deliveries end once the buffered ones are handed out.
        var end: Result<Void, any Error>?
        var cancelled = false
        var onCancel: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())
    /// False for a no-ack consumer: its deliveries are settled already and must not be rejected.
    let settlesDeliveries: Bool

    /// Deliveries buffered before a waiting iterator is woken in the middle of a read batch.
    static let wakeThreshold = 32

    init(settlesDeliveries: Bool = true) {
        self.settlesDeliveries = settlesDeliveries
    }

    /// Gives deliveries the application will not see back to the broker (`basic.nack`, requeue: what
    /// RabbitMQ 4.3 does not count toward a quorum queue's delivery limit, where `basic.reject` counts;
    /// ``BrokerVersion/nackRequeueCountsTowardDeliveryLimit``). A delivery whose channel is gone needs
    /// nothing: the broker requeued it already.
    func giveBack(_ deliveries: some Collection<AMQPDelivery>) {
        guard settlesDeliveries else { return }
        for delivery in deliveries {
            try? delivery.acknowledger.settle(.nack(delivery.deliveryTag, multiple: false, requeue: true))
        }
    }

    /// Sets what runs (once, on whichever thread cancels) when the application stops iterating.
    /// Runs at once if that already happened.
    func onCancel(_ handler: @escaping @Sendable () -> Void) {
        let callNow = state.withLock { state -> Bool in
            if state.cancelled { return true }
            if state.end != nil { return false }
            state.onCancel = handler
            return false
        }
        if callNow { handler() }
    }

    // MARK: - The I/O thread's side

    /// Appends a delivery. Wakes a waiting iterator once ``wakeThreshold`` deliveries are buffered.
    func yield(_ delivery: AMQPDelivery) -> YieldOutcome {
        let (outcome, waiter): (YieldOutcome, UnsafeContinuation<Void, Never>?) = state.withLock { state in
            if state.cancelled || state.end != nil { return (.terminated, nil) }
            state.items.append(delivery)
            guard state.items.count >= Self.wakeThreshold, let waiter = state.waiter else { return (.enqueued, nil) }
            state.waiter = nil
            return (.enqueued, waiter)
        }
        waiter?.resume()
        return outcome
    }

    /// Wakes a waiting iterator if deliveries are buffered. The I/O thread calls it after each read batch.
    func flush() {
        let waiter: UnsafeContinuation<Void, Never>? = state.withLock { state in
            guard !state.items.isEmpty, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Ends the deliveries: the iterator hands out what is buffered, then ends (or throws `error`).
    func finish(throwing error: (any Error)? = nil) {
        let waiter: UnsafeContinuation<Void, Never>? = state.withLock { state in
            guard state.end == nil, !state.cancelled else { return nil }
            state.end = error.map { .failure($0) } ?? .success(())
            state.onCancel = nil
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    // MARK: - The iterator's side

    /// The application stopped iterating: runs the `onCancel` handler and gives back what is buffered.
    func cancel() {
        let (waiter, handler, dropped): (UnsafeContinuation<Void, Never>?, (@Sendable () -> Void)?, [AMQPDelivery]) =
            state.withLock { state in
                guard !state.cancelled else { return (nil, nil, []) }
                state.cancelled = true
                var dropped: [AMQPDelivery] = []
                swap(&dropped, &state.items)
                defer {
                    state.waiter = nil
                    state.onCancel = nil
                }
                return (state.waiter, state.end == nil ? state.onCancel : nil, dropped)
            }
        waiter?.resume()
        // The consumer's basic.cancel goes first, so the broker does not send the rejected messages
        // straight back to this consumer.
        handler?()
        giveBack(dropped)
    }

    /// Moves everything buffered into `local` (which must be empty), waiting while nothing is.
    /// Leaves `local` empty when the deliveries are over; throws the error they ended with, once.
    /// Cancelling the waiting task cancels the buffer.
    func take(into local: inout [AMQPDelivery]) async throws {
        if try takeNow(into: &local) { return }
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if !state.items.isEmpty || state.end != nil || state.cancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            self.cancel()
        }
        _ = try takeNow(into: &local)
    }

    /// True when `local` got deliveries or the deliveries are over.
    private func takeNow(into local: inout [AMQPDelivery]) throws -> Bool {
        let ended: Result<Void, any Error>? = state.withLock { state in
            if state.cancelled { return .success(()) }
            if !state.items.isEmpty {
                swap(&local, &state.items)
                return nil
            }
            guard let end = state.end else { return nil }
            state.end = .success(())  // an error is thrown once
            return end
        }
        if let ended {
            try ended.get()
            return true
        }
        return !local.isEmpty
    }
}
