import WarrenAMQP

extension WarrenClient {
    /// Enqueues a task on a task queue and returns once the broker confirmed it.
    ///
    /// The queue is declared first if this client has not declared it yet, and declared again (then the
    /// task published again, once) if the broker returns the task because the queue is gone; a returned
    /// task was not stored, so this makes no duplicate.
    /// - Throws: ``WarrenError``: as a ``TaskProducer``'s enqueue, and `.shutDown` after the
    ///   client has shut down.
    @discardableResult
    public func enqueue<TaskType: WarrenTask>(
        _ task: TaskType,
        to queue: TaskQueue,
        options: EnqueueOptions = EnqueueOptions()
    ) async throws -> EnqueuedTask {
        try await declaringAgain(queue) {
            try await producer.enqueue(task, to: queue.name, options: options)
        }
    }

    /// Enqueues several tasks of one type in one pipelined batch and returns once every one is
    /// confirmed; the queue is declared as for ``enqueue(_:to:options:)->EnqueuedTask``.
    @discardableResult
    public func enqueue<TaskType: WarrenTask>(
        _ tasks: [TaskType],
        to queue: TaskQueue,
        options: EnqueueOptions = EnqueueOptions()
    ) async throws -> [EnqueuedTask] {
        try await declaringAgain(queue) {
            try await producer.enqueue(tasks, to: queue.name, options: options)
        }
    }

    /// Publishes a task as an event to an exchange (fan-out or topic), so that every task queue bound to
    /// it gets a copy. See ``TaskProducer/publish(_:toExchange:routingKey:options:)``.
    @discardableResult
    public func publish<TaskType: WarrenTask>(
        _ task: TaskType,
        toExchange exchange: String,
        routingKey: String = "",
        options: EnqueueOptions = EnqueueOptions()
    ) async throws -> EnqueuedTask {
        try checkRunning("publish", exchange: exchange)
        return try await producer.publish(task, toExchange: exchange, routingKey: routingKey, options: options)
    }

    /// Declares a task queue's topology now (as a worker does). Tolerant: a queue that exists with
    /// other arguments is used as it is and reported in the result, never a 406.
    @discardableResult
    public func declare(_ queue: TaskQueue) async throws -> [TopologyMismatch] {
        try checkRunning("declare", queue: queue.name)
        let mismatches = try await producer.declare(queue)
        for mismatch in mismatches { logger.warning("\(mismatch)") }
        declared.withLock { _ = $0.insert(queue.name) }
        return mismatches
    }

    func declareIfNeeded(_ queue: TaskQueue) async throws {
        guard !declared.withLock({ $0.contains(queue.name) }) else { return }
        try await declare(queue)
    }

    private func declaringAgain<Result>(_ queue: TaskQueue, _ publish: () async throws -> Result) async throws -> Result {
        try checkRunning("enqueue", queue: queue.name)
        try await declareIfNeeded(queue)
        do {
            return try await publish()
        } catch let error as WarrenError where error.code == .unroutable {
            logger.warning("the broker returned a task: its queue is gone; declaring it again", metadata: ["queue": "\(queue.name)"])
            declared.withLock { _ = $0.remove(queue.name) }
            try await declare(queue)
            return try await publish()
        }
    }
}
