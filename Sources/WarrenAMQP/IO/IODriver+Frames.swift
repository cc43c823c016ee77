import CRabbitMQ

extension IODriver {
    /// Dispatches one frame read from the broker. Throws only when the frame stream itself is broken.
    func dispatch(_ frame: amqp_frame_t) throws(AMQPError) {
        switch Int32(frame.frame_type) {
        case AMQP_FRAME_METHOD:
            if frame.channel == 0 {
                handleConnectionMethod(frame.payload.method)
            } else if let channel = channels[frame.channel] {
                try handleChannelMethod(frame.payload.method, on: channel)
            } else {
                logger.debug("ignoring a method for a channel that is gone", metadata: ["channel": "\(frame.channel)"])
            }
        case AMQP_FRAME_HEADER:
            guard let channel = channels[frame.channel] else { return }
            guard frame.payload.properties.class_id == UInt16(AMQP_BASIC_CLASS),
                  let decoded = frame.payload.properties.decoded else {
                throw AMQPError(.protocolError, "a content header of an unknown class arrived", channel: frame.channel)
            }
            let properties = AMQPProperties(
                cProperties: decoded.assumingMemoryBound(to: amqp_basic_properties_t.self).pointee
            )
            if let content = try channel.assembler.header(properties: properties, bodySize: frame.payload.properties.body_size) {
                deliver(content, on: channel)
            }
        case AMQP_FRAME_BODY:
            guard let channel = channels[frame.channel] else { return }
            let fragment = frame.payload.body_fragment
            let bytes = UnsafeRawBufferPointer(start: fragment.bytes, count: fragment.len)
            if let content = try channel.assembler.body(bytes) {
                deliver(content, on: channel)
            }
        default:
            break  // heartbeats are handled inside rabbitmq-c
        }
    }

    // MARK: - Connection methods

    private func handleConnectionMethod(_ method: amqp_method_t) {
        switch method.id {
        case AMQP_CONNECTION_CLOSE_METHOD:
            let close = method.decoded?.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            var ok = amqp_connection_close_ok_t(dummy: 0)
            send(AMQP_CONNECTION_CLOSE_OK_METHOD, &ok, on: 0, failing: nil)
            let code = close?.reply_code ?? 0
            let failed = close.map { methodName(classID: $0.class_id, methodID: $0.method_id) } ?? nil
            finish(
                AMQPError(
                    .connectionClosed,
                    code == 320
                        ? "the broker is shutting down or an operator closed the connection"
                        : "the broker closed the connection",
                    replyCode: code,
                    replyText: close?.reply_text.string,
                    operation: failed
                )
            )
        case AMQP_CONNECTION_CLOSE_OK_METHOD:
            completeClose()
        case AMQP_CONNECTION_BLOCKED_METHOD:
            let reason = method.decoded?.assumingMemoryBound(to: amqp_connection_blocked_t.self).pointee.reason.string ?? ""
            logger.warning("the broker blocked publishing on this connection", metadata: ["reason": "\(reason)"])
            blockedByBroker = true
            core.blocked.update(.blocked(reason: reason))
        case AMQP_CONNECTION_UNBLOCKED_METHOD:
            logger.info("the broker unblocked publishing on this connection")
            blockedByBroker = false
            core.blocked.update(.unblocked)
        default:
            logger.debug("ignoring connection method", metadata: ["method": "\(String(cString: amqp_method_name(method.id)))"])
        }
    }

    // MARK: - Channel methods

    private func handleChannelMethod(_ method: amqp_method_t, on channel: ChannelState) throws(AMQPError) {
        switch method.id {
        case AMQP_BASIC_DELIVER_METHOD:
            guard let deliver = method.decoded?.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee else { return }
            try channel.assembler.start(
                .deliver(
                    consumerTag: channel.deliverStrings.string(deliver.consumer_tag, slot: 0),
                    deliveryTag: deliver.delivery_tag, redelivered: deliver.redelivered != 0,
                    exchange: channel.deliverStrings.string(deliver.exchange, slot: 1),
                    routingKey: channel.deliverStrings.string(deliver.routing_key, slot: 2)
                )
            )
        case AMQP_BASIC_GET_OK_METHOD:
            guard let getOK = method.decoded?.assumingMemoryBound(to: amqp_basic_get_ok_t.self).pointee else { return }
            try channel.assembler.start(
                .getOK(
                    deliveryTag: getOK.delivery_tag, redelivered: getOK.redelivered != 0,
                    exchange: getOK.exchange.string, routingKey: getOK.routing_key.string,
                    messageCount: getOK.message_count
                )
            )
        case AMQP_BASIC_RETURN_METHOD:
            guard let returned = method.decoded?.assumingMemoryBound(to: amqp_basic_return_t.self).pointee else { return }
            try channel.assembler.start(
                .returned(
                    .init(
                        replyCode: returned.reply_code, replyText: returned.reply_text.string,
                        exchange: returned.exchange.string, routingKey: returned.routing_key.string
                    )
                )
            )
        case AMQP_BASIC_ACK_METHOD:
            guard let ack = method.decoded?.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee else { return }
            let settled = channel.confirms?.ack(ack.delivery_tag, multiple: ack.multiple != 0) ?? []
            settleConfirms(settled, on: channel)
        case AMQP_BASIC_NACK_METHOD:
            guard let nack = method.decoded?.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee else { return }
            let settled = channel.confirms?.nack(nack.delivery_tag, multiple: nack.multiple != 0) ?? []
            settleConfirms(settled, on: channel)
        case AMQP_BASIC_CANCEL_METHOD:
            guard let cancel = method.decoded?.assumingMemoryBound(to: amqp_basic_cancel_t.self).pointee else { return }
            let tag = cancel.consumer_tag.string
            if cancel.nowait == 0 {
                var ok = amqp_basic_cancel_ok_t(consumer_tag: cancel.consumer_tag)
                send(AMQP_BASIC_CANCEL_OK_METHOD, &ok, on: channel.number, failing: nil)
            }
            logger.warning("the broker cancelled a consumer", metadata: ["consumer_tag": "\(tag)", "channel": "\(channel.number)"])
            channel.consumers.removeValue(forKey: tag)?.buffer.finish(
                throwing: AMQPError(
                    .consumerCancelled,
                    "the broker cancelled consumer '\(tag)': its queue was deleted or became unavailable",
                    operation: "basic.cancel",
                    channel: channel.number
                )
            )
        case AMQP_CHANNEL_CLOSE_METHOD:
            let close = method.decoded?.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            var ok = amqp_channel_close_ok_t(dummy: 0)
            send(AMQP_CHANNEL_CLOSE_OK_METHOD, &ok, on: channel.number, failing: nil)
            guard !finished else { return }
            let failedMethod = close.map { methodName(classID: $0.class_id, methodID: $0.method_id) } ?? nil
            let head = channel.calls.inFlight?.call
            let object = head?.operation == failedMethod ? head?.request?.object : nil
            let reason = AMQPError(
                .channelClosed,
                "the broker closed channel \(channel.number)",
                replyCode: close?.reply_code,
                replyText: close?.reply_text.string,
                operation: failedMethod,
                object: object,
                channel: channel.number
            )
            logger.debug("the broker closed a channel", metadata: ["error": "\(reason)"])
            finishChannel(channel, reason: reason, byApplication: false)
        case AMQP_CHANNEL_FLOW_METHOD:
            let active = method.decoded?.assumingMemoryBound(to: amqp_channel_flow_t.self).pointee.active ?? 1
            var ok = amqp_channel_flow_ok_t(active: active)
            send(AMQP_CHANNEL_FLOW_OK_METHOD, &ok, on: channel.number, failing: nil)
        default:
            completeCall(method, on: channel)
        }
    }

    /// Matches a reply to the oldest call waiting on the channel.
    private func completeCall(_ method: amqp_method_t, on channel: ChannelState) {
        if method.id == AMQP_CHANNEL_CLOSE_OK_METHOD {
            completeClose(of: channel)
            return
        }
        guard case .complete(let entry, let next) = channel.calls.complete(method.id) else {
            logger.warning(
                "unexpected method from the broker",
                metadata: ["method": "\(String(cString: amqp_method_name(method.id)))", "channel": "\(channel.number)"]
            )
            return
        }
        defer { transmitNext(next, on: channel) }
        let call = entry.call
        let decoded = method.decoded
        switch method.id {
        case AMQP_CHANNEL_OPEN_OK_METHOD:
            channel.lifecycle.opened()
            guard case .openChannel(let promise) = call.completion, promise.succeed(channel.shared) else {
                undo(LateReply.channelOpened, on: channel)
                return
            }
        case AMQP_QUEUE_DECLARE_OK_METHOD:
            guard let ok = decoded?.assumingMemoryBound(to: amqp_queue_declare_ok_t.self).pointee else { return }
            call.succeed(
                .queueDeclared(
                    AMQPQueueDeclareResult(name: ok.queue.string, messageCount: ok.message_count, consumerCount: ok.consumer_count)
                )
            )
        case AMQP_QUEUE_PURGE_OK_METHOD:
            call.succeed(.messageCount(decoded?.assumingMemoryBound(to: amqp_queue_purge_ok_t.self).pointee.message_count ?? 0))
        case AMQP_QUEUE_DELETE_OK_METHOD:
            call.succeed(.messageCount(decoded?.assumingMemoryBound(to: amqp_queue_delete_ok_t.self).pointee.message_count ?? 0))
        case AMQP_BASIC_CONSUME_OK_METHOD:
            let tag = decoded?.assumingMemoryBound(to: amqp_basic_consume_ok_t.self).pointee.consumer_tag.string ?? ""
            guard case .basicConsume(_, _, _, let noAck, _, let buffer) = call.request else { return }
            channel.consumers[tag] = ChannelState.Consumer(buffer: buffer, noAck: noAck)
            let core = self.core
            let identity = channel.identity
            buffer.onCancel {
                // The application stopped iterating: cancel the consumer at the broker.
                _ = core.inbox.submit(.rpc(identity, .basicCancel(consumerTag: tag), Promise<RPCReply>()))
            }
            if !call.succeed(.consumerTag(tag)) {
                channel.consumers.removeValue(forKey: tag)
                buffer.finish()
                undo(LateReply.consumerStarted(tag: tag), on: channel)
            }
        case AMQP_BASIC_CANCEL_OK_METHOD:
            let tag = decoded?.assumingMemoryBound(to: amqp_basic_cancel_ok_t.self).pointee.consumer_tag.string ?? ""
            channel.consumers.removeValue(forKey: tag)?.buffer.finish()
            call.succeed(.done)
        case AMQP_BASIC_GET_EMPTY_METHOD:
            call.succeed(.getEmpty)
        case AMQP_CONFIRM_SELECT_OK_METHOD:
            call.succeed(.done)
        default:
            call.succeed(.done)
        }
    }

    /// Sends the call that a reply put on the wire, if any.
    private func transmitNext(_ next: CallQueue<PendingCall>.Entry?, on channel: ChannelState) {
        guard let next, let request = next.call.request, !finished, channels[channel.number] === channel else { return }
        transmit(request, completion: next.call.completion, on: channel)
    }

    /// `channel.close-ok`: nothing more comes on this channel, so every call still waiting on it
    /// (a reply the broker will not send now) ends, and the close calls succeed.
    private func completeClose(of channel: ChannelState) {
        let (closes, others) = channel.calls.closeCompleted()
        if !others.isEmpty {
            logger.debug("channel closed with calls still waiting", metadata: ["channel": "\(channel.number)", "calls": "\(others.count)"])
        }
        let reason = AMQPError(.channelClosed, "the channel was closed by the application", channel: channel.number)
        for entry in others { entry.call.fail(reason) }
        finishChannel(channel, reason: reason, byApplication: true)
        for close in closes { close.call.succeed(.done) }
    }

    // MARK: - Contents

    /// Hands a complete message to whoever it belongs to.
    private func deliver(_ content: ContentAssembler<ChannelState.ContentMethod>.Content, on channel: ChannelState) {
        let acknowledger = DeliveryAcknowledger(core: core, channel: channel.shared)
        switch content.method {
        case .deliver(let consumerTag, let deliveryTag, let redelivered, let exchange, let routingKey):
            let delivery = AMQPDelivery(
                body: content.body, properties: content.properties, deliveryTag: deliveryTag,
                redelivered: redelivered, exchange: exchange, routingKey: routingKey, consumerTag: consumerTag,
                messageCount: nil, acknowledger: acknowledger
            )
            let consumer: ChannelState.Consumer?
            if let last = channel.lastConsumer, last.tag == consumerTag {
                consumer = last.consumer
            } else {
                consumer = channel.consumers[consumerTag]
                channel.lastConsumer = consumer.map { (consumerTag, $0) }
            }
            if let consumer, case .enqueued = consumer.buffer.yield(delivery) {
                if !consumer.noAck { channel.acks.delivered(deliveryTag) }
                if buffersToFlush.last !== consumer.buffer { buffersToFlush.append(consumer.buffer) }
                return
            }
            // The consumer is gone (being cancelled).
            undo(LateReply.deliveredToGoneConsumer(deliveryTag: deliveryTag, noAck: consumer?.noAck == true), on: channel)
        case .getOK(let deliveryTag, let redelivered, let exchange, let routingKey, let messageCount):
            let delivery = AMQPDelivery(
                body: content.body, properties: content.properties, deliveryTag: deliveryTag,
                redelivered: redelivered, exchange: exchange, routingKey: routingKey, consumerTag: "",
                messageCount: messageCount, acknowledger: acknowledger
            )
            guard case .complete(let entry, let next) = channel.calls.complete(AMQP_BASIC_GET_OK_METHOD) else {
                logger.warning("a basic.get-ok arrived without a basic.get", metadata: ["channel": "\(channel.number)"])
                return
            }
            defer { transmitNext(next, on: channel) }
            let call = entry.call
            let noAck: Bool
            if case .basicGet(_, let getNoAck) = call.request { noAck = getNoAck } else { noAck = false }
            if !noAck { channel.acks.delivered(deliveryTag) }
            if !call.succeed(.got(delivery)) {
                if !noAck { channel.acks.settled(deliveryTag, multiple: false) }
                undo(LateReply.fetched(deliveryTag: deliveryTag, noAck: noAck), on: channel)
            }
        case .returned(let reason):
            let sequence = content.properties.headers?[Self.publishSequenceHeader]?.intValue
            if let sequence, sequence > 0, channel.confirms?.markReturned(UInt64(sequence), reason: reason) == true {
                return
            }
            logger.warning(
                "the broker returned an unroutable message",
                metadata: [
                    "exchange": "\(reason.exchange)", "routing_key": "\(reason.routingKey)",
                    "reply": "\(reason.replyCode) \(reason.replyText)",
                ]
            )
        }
    }

    /// Carries out the undo for a reply or delivery nobody waits for (``LateReply``).
    private func undo(_ reply: LateReply, on channel: ChannelState) {
        switch reply.undo {
        case .closeChannel:
            sendCall(.channelClose, completion: .unobserved, on: channel)
        case .cancelConsumer(let tag):
            sendCall(.basicCancel(consumerTag: tag), completion: .unobserved, on: channel)
        case .requeue(let deliveryTag):
            amqp_basic_nack(connection, channel.number, deliveryTag, 0, 1)
        case .drop:
            logger.debug("dropping a no-ack message nobody waits for", metadata: ["channel": "\(channel.number)", "reply": "\(reply)"])
        }
    }

    private func settleConfirms(_ settled: [(PublishCompletion, ConfirmTracker<PublishCompletion>.Outcome)], on channel: ChannelState) {
        for (completion, outcome) in settled {
            switch outcome {
            case .confirmed:
                completion.settle(nil)
            case .nacked:
                completion.settle(
                    AMQPError(
                        .publishNacked,
                        "the broker refused responsibility for the message (basic.nack); publish it again",
                        operation: "basic.publish",
                        channel: channel.number
                    )
                )
            case .returned(let reason):
                completion.settle(
                    AMQPError(
                        .unroutable,
                        "no queue is bound to exchange '\(reason.exchange)' with routing key '\(reason.routingKey)'; declare the queue or binding first",
                        replyCode: reason.replyCode,
                        replyText: reason.replyText,
                        operation: "basic.publish",
                        object: "exchange '\(reason.exchange)'",
                        channel: channel.number
                    )
                )
            }
        }
        sendWaitingPublishes(on: channel)
    }

    /// `queue.declare` for class 50, method 10, and so on.
    private func methodName(classID: UInt16, methodID: UInt16) -> String? {
        guard classID != 0 else { return nil }
        let number = (amqp_method_number_t(classID) << 16) | amqp_method_number_t(methodID)
        guard let name = amqp_method_name(number) else { return nil }
        let text = String(cString: name)
        // rabbitmq-c names methods like "AMQP_QUEUE_DECLARE_METHOD".
        guard text.hasPrefix("AMQP_"), text.hasSuffix("_METHOD") else { return text }
        let core = text.dropFirst(5).dropLast(7).lowercased()
        guard let underscore = core.firstIndex(of: "_") else { return core }
        let rest = core[core.index(after: underscore)...].split(separator: "_").joined(separator: "-")
        return core[..<underscore] + "." + rest
    }
}
