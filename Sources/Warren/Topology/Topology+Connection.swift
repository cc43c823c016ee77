import WarrenAMQP

extension Topology {
    /// Declares everything a task queue needs, tolerating queues that already exist with other
    /// arguments: for each such queue it checks that the queue exists (a passive declare) and
    /// reports a ``TopologyMismatch`` instead of failing with 406 PRECONDITION_FAILED.
    ///
    /// This is what workers and producers use, so that a queue made by an older Warren, by another
    /// language's producer or by hand never stops them. Exchanges and bindings stay strict.
    /// - Parameters:
    ///   - queue: The task queue.
    ///   - connection: A channel is opened for each step that may fail on its own.
    ///   - delays: Also declare the shared delay levels and the queue's delay binding.
    /// - Returns: The queues that exist with other arguments (empty when everything matches).
    /// - Throws: `AMQPError` when the broker refuses anything else, and `.invalidArgument` for
    ///   priorities on a quorum queue of a broker older than RabbitMQ 4.0.
    @discardableResult
    public func declare(_ queue: TaskQueue, on connection: AMQPConnection, delays: Bool = true) async throws -> [TopologyMismatch] {
        let mismatches = try await declareTaskQueue(queue, on: connection)
        if delays {
            try await connection.withChannel { channel in
                try await declareDelayInfrastructure(on: channel)
                try await bindDelayDelivery(queue.name, on: channel)
            }
        }
        return mismatches
    }

    /// Declares the task queue, its dead-letter queue and the dead-letter exchange, tolerating
    /// queues that exist with other arguments (see ``declare(_:on:delays:)``).
    @discardableResult
    public func declareTaskQueue(_ queue: TaskQueue, on connection: AMQPConnection) async throws -> [TopologyMismatch] {
        try queue.validate()
        try Self.checkSupported(queue, by: connection.brokerVersion)
        var mismatches: [TopologyMismatch] = []
        try await connection.withChannel { channel in
            try await channel.exchangeDeclare(deadLetterExchange, type: .direct, durable: true)
        }
        if let mismatch = try await declareQueue(queue.deadLetterQueue, arguments: deadLetterQueueArguments(queue), on: connection) {
            mismatches.append(mismatch)
        }
        try await connection.withChannel { channel in
            try await channel.queueBind(queue.deadLetterQueue, exchange: deadLetterExchange, routingKey: queue.name)
        }
        if let mismatch = try await declareQueue(queue.name, arguments: taskQueueArguments(queue), on: connection) {
            mismatches.append(mismatch)
        }
        return mismatches
    }

    /// Declares a durable queue; when it exists with other arguments, checks it exists and returns
    /// the mismatch.
    private func declareQueue(_ name: String, arguments: AMQPTable, on connection: AMQPConnection) async throws -> TopologyMismatch? {
        do {
            try await connection.withChannel { channel in
                _ = try await channel.queueDeclare(name, durable: true, arguments: arguments)
            }
            return nil
        } catch let error as AMQPError where error.code == .channelClosed && error.replyCode == 406 {
            try await connection.withChannel { channel in
                _ = try await channel.queueDeclare(name, passive: true)
            }
            return TopologyMismatch(queue: name, brokerMessage: error.replyText ?? "\(error)")
        }
    }
}
