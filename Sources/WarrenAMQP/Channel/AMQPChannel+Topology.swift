extension AMQPChannel {
    /// Declares an exchange, creating it if it does not exist.
    ///
    /// - Parameters:
    ///   - name: The exchange's name.
    ///   - type: Its type: ``AMQPExchangeType/direct``, `.fanout`, `.topic`, `.headers`, or a plugin's.
    ///   - durable: Survives a broker restart.
    ///   - autoDelete: Deleted when its last binding is removed.
    ///   - internal: Cannot be published to directly, only through exchange-to-exchange bindings.
    ///   - passive: Only checks that the exchange exists (404 NOT_FOUND otherwise) without creating it.
    ///   - arguments: Extra arguments, e.g. `alternate-exchange`.
    /// - Throws: ``AMQPError`` `.channelClosed` with 406 when it exists with other properties, 404 when
    ///   passive and missing.
    public func exchangeDeclare(
        _ name: String,
        type: AMQPExchangeType = .direct,
        durable: Bool = true,
        autoDelete: Bool = false,
        internal: Bool = false,
        passive: Bool = false,
        arguments: AMQPTable = [:]
    ) async throws {
        _ = try await call(
            .exchangeDeclare(
                name: name, type: type.name, passive: passive, durable: durable, autoDelete: autoDelete,
                internal: `internal`, arguments: arguments
            )
        )
    }

    /// Deletes an exchange. With `ifUnused`, fails (406) while queues or exchanges are bound to it.
    public func exchangeDelete(_ name: String, ifUnused: Bool = false) async throws {
        _ = try await call(.exchangeDelete(name: name, ifUnused: ifUnused))
    }

    /// Binds exchange `destination` to exchange `source` (a RabbitMQ extension).
    public func exchangeBind(
        destination: String,
        source: String,
        routingKey: String = "",
        arguments: AMQPTable = [:]
    ) async throws {
        _ = try await call(.exchangeBind(destination: destination, source: source, routingKey: routingKey, arguments: arguments))
    }

    /// Removes an exchange-to-exchange binding.
    public func exchangeUnbind(
        destination: String,
        source: String,
        routingKey: String = "",
        arguments: AMQPTable = [:]
    ) async throws {
        _ = try await call(.exchangeUnbind(destination: destination, source: source, routingKey: routingKey, arguments: arguments))
    }

    /// Declares a queue, creating it if it does not exist, and returns its name and counts.
    ///
    /// - Parameters:
    ///   - name: The queue's name; empty lets the broker generate one (returned in the result).
    ///   - durable: Survives a broker restart (its persistent messages too).
    ///   - exclusive: Used only by this connection and deleted when it closes.
    ///   - autoDelete: Deleted when its last consumer is cancelled.
    ///   - passive: Only checks that the queue exists (404 NOT_FOUND otherwise); returns its counts.
    ///   - arguments: e.g. `x-dead-letter-exchange`, `x-dead-letter-routing-key`, `x-message-ttl`,
    ///     `x-max-length`, `x-queue-type: quorum`, `x-delivery-limit`, `x-single-active-consumer`.
    /// - Throws: ``AMQPError`` `.channelClosed` with 406 PRECONDITION_FAILED when the queue exists with
    ///   other properties or arguments, 404 when passive and missing, 405 RESOURCE_LOCKED when it is
    ///   another connection's exclusive queue.
    @discardableResult
    public func queueDeclare(
        _ name: String = "",
        durable: Bool = true,
        exclusive: Bool = false,
        autoDelete: Bool = false,
        passive: Bool = false,
        arguments: AMQPTable = [:]
    ) async throws -> AMQPQueueDeclareResult {
        let reply = try await call(
            .queueDeclare(
                name: name, passive: passive, durable: durable, exclusive: exclusive, autoDelete: autoDelete,
                arguments: arguments
            )
        )
        guard case .queueDeclared(let result) = reply else { throw unexpected(reply, for: "queue.declare") }
        return result
    }

    /// Binds a queue to an exchange with a routing key (or, for a headers exchange, arguments).
    public func queueBind(
        _ queue: String,
        exchange: String,
        routingKey: String = "",
        arguments: AMQPTable = [:]
    ) async throws {
        _ = try await call(.queueBind(queue: queue, exchange: exchange, routingKey: routingKey, arguments: arguments))
    }

    /// Removes a queue binding.
    public func queueUnbind(
        _ queue: String,
        exchange: String,
        routingKey: String = "",
        arguments: AMQPTable = [:]
    ) async throws {
        _ = try await call(.queueUnbind(queue: queue, exchange: exchange, routingKey: routingKey, arguments: arguments))
    }

    /// Removes every ready message from a queue and returns how many were removed. Unacknowledged
    /// messages are not affected.
    @discardableResult
    public func queuePurge(_ queue: String) async throws -> UInt32 {
        let reply = try await call(.queuePurge(queue: queue))
        guard case .messageCount(let count) = reply else { throw unexpected(reply, for: "queue.purge") }
        return count
    }

    /// Deletes a queue and returns the number of messages it held. With `ifUnused` or `ifEmpty` the
    /// broker refuses (406) while it has consumers or messages.
    @discardableResult
    public func queueDelete(_ queue: String, ifUnused: Bool = false, ifEmpty: Bool = false) async throws -> UInt32 {
        let reply = try await call(.queueDelete(queue: queue, ifUnused: ifUnused, ifEmpty: ifEmpty))
        guard case .messageCount(let count) = reply else { throw unexpected(reply, for: "queue.delete") }
        return count
    }

    func unexpected(_ reply: RPCReply, for operation: String) -> AMQPError {
        AMQPError(.protocolError, "unexpected reply \(reply)", operation: operation, channel: number)
    }
}
