import CRabbitMQ

extension IODriver {
    static var publishSequenceHeader: String { AMQPChannel.publishSequenceHeader }

    /// Sends a method frame. On a failure that breaks the connection, finishes it and returns false;
    /// on a local encoding failure, throws through `failing` (or returns false when that is nil).
    @discardableResult
    func send<Method>(
        _ methodID: amqp_method_number_t,
        _ method: inout Method,
        on channel: UInt16,
        failing: ((AMQPError) -> Void)?
    ) -> Bool {
        core.driverLock.assertHeldByCurrentThread()
        let status = withUnsafeMutablePointer(to: &method) { pointer in
            amqp_send_method(connection, channel, methodID, pointer)
        }
        guard status == AMQP_STATUS_OK.rawValue else {
            let name = String(cString: amqp_method_name(methodID))
            if isFatal(status) {
                finish(connectionError(status, while: "sending \(name)"))
            } else {
                failing?(AMQPError(.invalidArgument, "rabbitmq-c could not encode \(name): \(String(cString: amqp_error_string2(status)))"))
            }
            return false
        }
        heartbeats.libraryCalled(at: .now)
        return true
    }

    /// Encodes a synchronous method into its C structure and sends it.
    func encodeAndSend(_ request: MethodRequest, on channel: UInt16) throws(AMQPError) {
        defer { pool.reset() }
        var sendError: AMQPError?
        let fail: (AMQPError) -> Void = { sendError = $0 }
        let sent: Bool
        switch request {
        case .channelClose:
            var method = amqp_channel_close_t(
                reply_code: UInt16(AMQP_REPLY_SUCCESS), reply_text: try pool.bytes("closed by the application"),
                class_id: 0, method_id: 0
            )
            sent = send(AMQP_CHANNEL_CLOSE_METHOD, &method, on: channel, failing: fail)
        case .exchangeDeclare(let name, let type, let passive, let durable, let autoDelete, let isInternal, let arguments):
            var method = amqp_exchange_declare_t(
                ticket: 0, exchange: try pool.shortString(name, field: "exchange name"),
                type: try pool.shortString(type, field: "exchange type"), passive: flag(passive),
                durable: flag(durable), auto_delete: flag(autoDelete), internal: flag(isInternal), nowait: 0,
                arguments: try arguments.cTable(in: pool.pointer)
            )
            sent = send(AMQP_EXCHANGE_DECLARE_METHOD, &method, on: channel, failing: fail)
        case .exchangeDelete(let name, let ifUnused):
            var method = amqp_exchange_delete_t(
                ticket: 0, exchange: try pool.shortString(name, field: "exchange name"),
                if_unused: flag(ifUnused), nowait: 0
            )
            sent = send(AMQP_EXCHANGE_DELETE_METHOD, &method, on: channel, failing: fail)
        case .exchangeBind(let destination, let source, let routingKey, let arguments):
            var method = amqp_exchange_bind_t(
                ticket: 0, destination: try pool.shortString(destination, field: "exchange name"),
                source: try pool.shortString(source, field: "exchange name"),
                routing_key: try pool.shortString(routingKey, field: "routing key"), nowait: 0,
                arguments: try arguments.cTable(in: pool.pointer)
            )
            sent = send(AMQP_EXCHANGE_BIND_METHOD, &method, on: channel, failing: fail)
        case .exchangeUnbind(let destination, let source, let routingKey, let arguments):
            var method = amqp_exchange_unbind_t(
                ticket: 0, destination: try pool.shortString(destination, field: "exchange name"),
                source: try pool.shortString(source, field: "exchange name"),
                routing_key: try pool.shortString(routingKey, field: "routing key"), nowait: 0,
                arguments: try arguments.cTable(in: pool.pointer)
            )
            sent = send(AMQP_EXCHANGE_UNBIND_METHOD, &method, on: channel, failing: fail)
        case .queueDeclare(let name, let passive, let durable, let exclusive, let autoDelete, let arguments):
            var method = amqp_queue_declare_t(
                ticket: 0, queue: try pool.shortString(name, field: "queue name"), passive: flag(passive),
                durable: flag(durable), exclusive: flag(exclusive), auto_delete: flag(autoDelete), nowait: 0,
                arguments: try arguments.cTable(in: pool.pointer)
            )
            sent = send(AMQP_QUEUE_DECLARE_METHOD, &method, on: channel, failing: fail)
        case .queueBind(let queue, let exchange, let routingKey, let arguments):
            var method = amqp_queue_bind_t(
                ticket: 0, queue: try pool.shortString(queue, field: "queue name"),
                exchange: try pool.shortString(exchange, field: "exchange name"),
                routing_key: try pool.shortString(routingKey, field: "routing key"), nowait: 0,
                arguments: try arguments.cTable(in: pool.pointer)
            )
            sent = send(AMQP_QUEUE_BIND_METHOD, &method, on: channel, failing: fail)
        case .queueUnbind(let queue, let exchange, let routingKey, let arguments):
            var method = amqp_queue_unbind_t(
                ticket: 0, queue: try pool.shortString(queue, field: "queue name"),
                exchange: try pool.shortString(exchange, field: "exchange name"),
                routing_key: try pool.shortString(routingKey, field: "routing key"),
                arguments: try arguments.cTable(in: pool.pointer)
            )
            sent = send(AMQP_QUEUE_UNBIND_METHOD, &method, on: channel, failing: fail)
        case .queuePurge(let queue):
            var method = amqp_queue_purge_t(ticket: 0, queue: try pool.shortString(queue, field: "queue name"), nowait: 0)
            sent = send(AMQP_QUEUE_PURGE_METHOD, &method, on: channel, failing: fail)
        case .queueDelete(let queue, let ifUnused, let ifEmpty):
            var method = amqp_queue_delete_t(
                ticket: 0, queue: try pool.shortString(queue, field: "queue name"),
                if_unused: flag(ifUnused), if_empty: flag(ifEmpty), nowait: 0
            )
            sent = send(AMQP_QUEUE_DELETE_METHOD, &method, on: channel, failing: fail)
        case .basicQos(let prefetchCount, let global):
            var method = amqp_basic_qos_t(prefetch_size: 0, prefetch_count: prefetchCount, global: flag(global))
            sent = send(AMQP_BASIC_QOS_METHOD, &method, on: channel, failing: fail)
        case .basicConsume(let queue, let consumerTag, let exclusive, let noAck, let arguments, _):
            var method = amqp_basic_consume_t(
                ticket: 0, queue: try pool.shortString(queue, field: "queue name"),
                consumer_tag: try pool.shortString(consumerTag, field: "consumer tag"), no_local: 0,
                no_ack: flag(noAck), exclusive: flag(exclusive), nowait: 0,
                arguments: try arguments.cTable(in: pool.pointer)
            )
            sent = send(AMQP_BASIC_CONSUME_METHOD, &method, on: channel, failing: fail)
        case .basicCancel(let consumerTag):
            var method = amqp_basic_cancel_t(
                consumer_tag: try pool.shortString(consumerTag, field: "consumer tag"), nowait: 0
            )
            sent = send(AMQP_BASIC_CANCEL_METHOD, &method, on: channel, failing: fail)
        case .basicGet(let queue, let noAck):
            var method = amqp_basic_get_t(ticket: 0, queue: try pool.shortString(queue, field: "queue name"), no_ack: flag(noAck))
            sent = send(AMQP_BASIC_GET_METHOD, &method, on: channel, failing: fail)
        case .confirmSelect:
            var method = amqp_confirm_select_t(nowait: 0)
            sent = send(AMQP_CONFIRM_SELECT_METHOD, &method, on: channel, failing: fail)
        }
        if let sendError { throw sendError }
        guard sent else {
            throw core.closeSignal.reason ?? AMQPError(.connectionLost, "the connection was lost")
        }
    }

    /// Publishes one message. Returns nil when written, or the error (which may also have finished
    /// the connection).
    func sendPublish(_ message: AMQPOutboundMessage, sequence: UInt64?, on channel: ChannelState) -> AMQPError? {
        core.driverLock.assertHeldByCurrentThread()
        defer { pool.reset() }
        do {
            let properties = message.properties
            var cProperties = try properties.cProperties(in: pool.pointer)
            if let sequence {
                let headers = properties.headers != nil ? cProperties.headers : amqp_empty_table
                cProperties.headers = try CSequenceHeader.setting(sequence, in: headers, pool: pool.pointer)
                cProperties._flags |= amqp_flags_t(AMQP_BASIC_HEADERS_FLAG)
            }
            // Without a header table the properties always fit (at most ten 256-byte short strings).
            // Every frame_max is at least 4096: properties that surely fit the smallest need no trial.
            if properties.headers != nil || sequence != nil,
               Self.propertiesSizeBound(properties, withSequence: sequence != nil) > 4096 - Self.contentHeaderOverhead,
               let error = checkPropertiesFit(&cProperties, exchange: message.exchange, channel: channel.number) {
                return error
            }
            let exchange = try pool.shortString(message.exchange, field: "exchange name")
            let routingKey = try pool.shortString(message.routingKey, field: "routing key")
            let status = message.body.withUnsafeBytes { body in
                amqp_basic_publish(
                    connection, channel.number, exchange, routingKey, message.mandatory ? 1 : 0, 0, &cProperties,
                    amqp_bytes_t(len: body.count, bytes: UnsafeMutableRawPointer(mutating: body.baseAddress))
                )
            }
            guard status == AMQP_STATUS_OK.rawValue else {
                // rabbitmq-c may have written the method frame before failing on the header or body:
                // the connection's frame stream is broken whatever the status says.
                let error = connectionError(status, while: "publishing to exchange '\(message.exchange)'")
                finish(error)
                return error
            }
            heartbeats.libraryCalled(at: .now)
            return nil
        } catch {
            return error.adding(operation: "basic.publish", object: "exchange '\(message.exchange)'", channel: channel.number)
        }
    }

    /// What a content header frame holds besides the properties: the frame's type, channel and size
    /// (7) and end byte (1), the class id, weight and body size (12). rabbitmq-c leaves the properties
    /// frame_max less this.
    static let contentHeaderOverhead = 20

    /// At most the encoded size of `properties`, with the sequence header added when it will be.
    private static func propertiesSizeBound(_ properties: AMQPProperties, withSequence: Bool) -> Int {
        guard withSequence else { return properties.encodedSizeUpperBound }
        // A new table's 4-byte length when there was none, and the entry.
        return properties.encodedSizeUpperBound + (properties.headers == nil ? 4 : 0) + CSequenceHeader.encodedSize
    }

    /// Encodes the properties into a buffer of the room rabbitmq-c will give them first: it would send
    /// the method frame and only then fail on a header that does not fit, breaking the connection.
    private func checkPropertiesFit(_ properties: inout amqp_basic_properties_t, exchange: String, channel: UInt16) -> AMQPError? {
        let limit = max(4096, Int(amqp_get_frame_max(connection))) - Self.contentHeaderOverhead
        if propertiesBuffer.count < limit {
            propertiesBuffer.deallocate()
            propertiesBuffer = .allocate(byteCount: limit, alignment: 8)
        }
        let encoded = amqp_bytes_t(len: limit, bytes: propertiesBuffer.baseAddress)
        let size = amqp_encode_properties(UInt16(AMQP_BASIC_CLASS), &properties, encoded)
        guard size < 0 else { return nil }
        return AMQPError(
            .invalidArgument,
            "the message's properties and headers do not fit in one frame (\(limit) bytes, the negotiated frame_max less \(Self.contentHeaderOverhead)); make the headers smaller",
            operation: "basic.publish", object: "exchange '\(exchange)'", channel: channel
        )
    }

    private func flag(_ value: Bool) -> amqp_boolean_t {
        value ? 1 : 0
    }
}
