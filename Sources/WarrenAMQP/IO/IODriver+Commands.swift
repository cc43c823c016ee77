import CRabbitMQ

extension IODriver {
    /// Executes one command from a Swift caller.
    func execute(_ command: Command) {
        switch command {
        case .openChannel(let promise):
            openChannel(promise)
        case .rpc(let identity, let request, let promise):
            guard let channel = openChannel(identity, operation: request.operation) else {
                fail(command, with: closedChannelError(identity, operation: request.operation, object: request.object))
                return
            }
            sendCall(request, completion: .reply(promise), on: channel)
        case .publishOne(let identity, let message, let promise):
            publish(message, promise: promise, on: identity)
        case .publish(let identity, let messages, let promise):
            publish(messages, promise: promise, on: identity)
        case .settle(let identity, let settlement):
            settle(settlement, on: identity)
        case .close(let promise):
            beginClose(promise)
        }
    }

    /// The open channel with this identity, if it still exists.
    func openChannel(_ identity: ChannelIdentity, operation: String) -> ChannelState? {
        guard let channel = channels[identity.number], channel.identity == identity, channel.lifecycle.acceptsWork else {
            return nil
        }
        return channel
    }

    func closedChannelError(_ identity: ChannelIdentity, operation: String, object: String? = nil) -> AMQPError {
        if let reason = core.closeSignal.reason { return reason.adding(operation: operation, object: object) }
        return AMQPError(
            .channelClosed,
            "channel \(identity.number) is closed; open a new channel",
            operation: operation,
            object: object,
            channel: identity.number
        )
    }

    // MARK: - Channels

    private func openChannel(_ promise: Promise<ChannelShared>) {
        guard let number = channelNumbers.allocate() else {
            promise.fail(
                AMQPError(
                    .resourceExhausted,
                    "all \(channelNumbers.maximum) channels of the connection are in use; close channels you no longer need",
                    operation: "channel.open"
                )
            )
            return
        }
        generation += 1
        let channel = ChannelState(shared: ChannelShared(identity: ChannelIdentity(number: number, generation: generation)))
        channels[number] = channel
        var method = amqp_channel_open_t(out_of_band: amqp_empty_bytes)
        guard send(AMQP_CHANNEL_OPEN_METHOD, &method, on: number, failing: nil) else {
            finishChannel(channel, reason: core.closeSignal.reason ?? AMQPError(.connectionLost, "the connection was lost"), byApplication: false)
            promise.fail(core.closeSignal.reason ?? AMQPError(.connectionLost, "the connection was lost"))
            return
        }
        _ = channel.calls.submit(
            PendingCall(request: nil, completion: .openChannel(promise)),
            expecting: [AMQP_CHANNEL_OPEN_OK_METHOD],
            deadline: .now + core.configuration.callTimeout
        )
    }

    /// Queues a synchronous method on the channel, and sends it when the channel's ``CallQueue``
    /// says it is its turn (at once, unless another call waits for its reply).
    func sendCall(_ request: MethodRequest, completion: PendingCall.Completion, on channel: ChannelState) {
        if request.bypassesCallOrder, !channel.lifecycle.closeRequested() {
            // Closed already: nothing to send, and no reply will come.
            PendingCall(request: request, completion: completion).fail(closedChannelError(channel.identity, operation: request.operation))
            return
        }
        let action = channel.calls.submit(
            PendingCall(request: request, completion: completion),
            expecting: request.expectedReplies,
            deadline: .now + core.configuration.callTimeout,
            bypassesOrder: request.bypassesCallOrder
        )
        guard action == .send else { return }
        transmit(request, completion: completion, on: channel)
    }

    /// Sends the call that is on the wire now; when its arguments are refused locally, fails it and
    /// goes on with the next one.
    func transmit(_ request: MethodRequest, completion: PendingCall.Completion, on channel: ChannelState) {
        var next: (request: MethodRequest, completion: PendingCall.Completion)? = (request, completion)
        while let (request, completion) = next {
            next = nil
            do {
                try encodeAndSend(request, on: channel.number)
            } catch {
                // Nothing was sent: the arguments were refused locally, or the connection is gone
                // (then finish() failed every call already).
                let call = PendingCall(request: request, completion: completion)
                call.fail(error.adding(operation: request.operation, object: request.object, channel: channel.number))
                if case .basicConsume(_, _, _, _, _, let buffer) = request { buffer.finish(throwing: error) }
                guard !finished, !request.bypassesCallOrder, channels[channel.number] === channel else { return }
                if let following = channel.calls.dropInFlight().next, let followingRequest = following.call.request {
                    next = (followingRequest, following.call.completion)
                }
                continue
            }
            if case .confirmSelect(let maxOutstanding) = request {
                // The broker numbers publishes from confirm.select on, not from select-ok: a publish
                // sent before the reply arrives already counts.
                if channel.confirms == nil { channel.confirms = ConfirmTracker() }
                channel.maxOutstanding = maxOutstanding
            }
        }
    }

    // MARK: - Publishing

    private func publish(_ message: AMQPOutboundMessage, promise: Promise<Void>, on identity: ChannelIdentity) {
        guard let channel = openChannel(identity, operation: "basic.publish") else {
            promise.fail(closedChannelError(identity, operation: "basic.publish"))
            return
        }
        let completion = PublishCompletion.single(promise)
        guard channel.confirms != nil else {
            completion.settle(sendPublish(message, sequence: nil, on: channel))
            return
        }
        if let limit = channel.maxOutstanding, channel.confirms?.outstanding ?? 0 >= limit || !channel.waitingPublishes.isEmpty {
            channel.waitingPublishes.append((message, completion))
        } else {
            sendConfirmed(message, completion: completion, on: channel)
        }
    }

    private func publish(_ messages: [AMQPOutboundMessage], promise: Promise<Void>, on identity: ChannelIdentity) {
        guard let channel = openChannel(identity, operation: "basic.publish") else {
            promise.fail(closedChannelError(identity, operation: "basic.publish"))
            return
        }
        let completion: PublishCompletion = messages.count == 1
            ? .single(promise)
            : .batch(BatchCompletion(promise: promise, count: messages.count))
        if messages.isEmpty {
            promise.succeed(())
            return
        }
        guard channel.confirms != nil else {
            for message in messages {
                guard !finished else { completion.settle(closedChannelError(identity, operation: "basic.publish")); continue }
                completion.settle(sendPublish(message, sequence: nil, on: channel))
            }
            return
        }
        for message in messages {
            if let limit = channel.maxOutstanding,
               channel.confirms?.outstanding ?? 0 >= limit || !channel.waitingPublishes.isEmpty {
                channel.waitingPublishes.append((message, completion))
            } else {
                sendConfirmed(message, completion: completion, on: channel)
            }
        }
    }

    /// Publishes one message on a channel in confirm mode; the completion is settled by the broker's
    /// ack, nack or return.
    func sendConfirmed(_ message: AMQPOutboundMessage, completion: PublishCompletion, on channel: ChannelState) {
        guard !finished, let sequence = channel.confirms?.nextSequence else {
            completion.settle(closedChannelError(channel.identity, operation: "basic.publish"))
            return
        }
        if let error = sendPublish(message, sequence: message.mandatory ? sequence : nil, on: channel) {
            completion.settle(error)
            return
        }
        // Mutated in place through the optional: a copy would copy the whole pending list.
        _ = channel.confirms?.register(completion)
    }

    /// Sends publishes that waited for the in-flight limit, as far as the limit allows now.
    func sendWaitingPublishes(on channel: ChannelState) {
        // Read the count through the optional: binding the tracker to a local would share its storage
        // and make the next register() copy every outstanding entry.
        while let limit = channel.maxOutstanding, (channel.confirms?.outstanding ?? limit) < limit,
              !channel.waitingPublishes.isEmpty, !finished {
            let (message, completion) = channel.waitingPublishes.removeFirst()
            sendConfirmed(message, completion: completion, on: channel)
        }
    }

    // MARK: - Settling deliveries

    private func settle(_ settlement: Settlement, on identity: ChannelIdentity) {
        guard let channel = openChannel(identity, operation: settlement.operation) else {
            // The delivery tag died with its channel; the broker requeued the message already.
            logger.debug(
                "dropping \(settlement.operation) for a closed channel",
                metadata: ["channel": "\(identity.number)", "delivery_tag": "\(settlement.deliveryTag)"]
            )
            return
        }
        if case .ack(let tag, multiple: false) = settlement {
            // Sent after the commands waiting now, coalesced with the other acks among them.
            if !channel.acks.hasQueuedAcks { channelsWithQueuedAcks.append(channel) }
            channel.acks.queueAck(tag)
            return
        }
        sendQueuedAcks(on: channel)
        switch settlement {
        case .ack(let tag, let multiple), .nack(let tag, let multiple, _):
            channel.acks.settled(tag, multiple: multiple)
        case .reject(let tag, _):
            channel.acks.settled(tag, multiple: false)
        }
        send(settlement, on: channel)
    }

    /// Sends the acks queued on every channel (see ``AckCoalescer``).
    func sendQueuedAcks() {
        guard !channelsWithQueuedAcks.isEmpty else { return }
        for channel in channelsWithQueuedAcks { sendQueuedAcks(on: channel) }
        channelsWithQueuedAcks.removeAll(keepingCapacity: true)
    }

    private func sendQueuedAcks(on channel: ChannelState) {
        for settlement in channel.acks.takeAcks() {
            guard !finished, channel.lifecycle.acceptsWork, channels[channel.number] === channel else { return }
            send(settlement, on: channel)
        }
    }

    private func send(_ settlement: Settlement, on channel: ChannelState) {
        let status: Int32
        switch settlement {
        case .ack(let tag, let multiple):
            status = amqp_basic_ack(connection, channel.number, tag, multiple ? 1 : 0)
        case .nack(let tag, let multiple, let requeue):
            status = amqp_basic_nack(connection, channel.number, tag, multiple ? 1 : 0, requeue ? 1 : 0)
        case .reject(let tag, let requeue):
            status = amqp_basic_reject(connection, channel.number, tag, requeue ? 1 : 0)
        }
        if status != AMQP_STATUS_OK.rawValue {
            finish(connectionError(status, while: "sending \(settlement.operation)"))
        }
    }

    // MARK: - Closing

    private func beginClose(_ promise: Promise<Void>) {
        guard closing == nil else {
            // A close is already under way; callers wait for the close signal.
            promise.succeed(())
            return
        }
        let reason = AMQPError(.connectionClosed, "the connection was closed by the application")
        for command in core.inbox.close(with: reason) {
            fail(command, with: reason)
        }
        closing = (promise, .now + min(core.configuration.callTimeout, .seconds(5)))
        defer { pool.reset() }
        let text = (try? pool.bytes("closed by the application")) ?? amqp_empty_bytes
        var method = amqp_connection_close_t(
            reply_code: UInt16(AMQP_REPLY_SUCCESS), reply_text: text, class_id: 0, method_id: 0
        )
        guard send(AMQP_CONNECTION_CLOSE_METHOD, &method, on: 0, failing: nil) else {
            finish(reason)
            promise.succeed(())
            return
        }
    }

    /// Called when `connection.close-ok` arrives for our close.
    func completeClose() {
        guard let closing else { return }
        finish(AMQPError(.connectionClosed, "the connection was closed by the application"))
        closing.promise.succeed(())
    }
}
