import CRabbitMQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// Owns one rabbitmq-c connection and drives it from a dedicated thread.
///
/// rabbitmq-c is blocking and not thread-safe, so everything that touches the connection runs here:
/// the thread waits in `poll()` on the socket and on the ``Inbox``'s wake-up descriptor, executes
/// the commands Swift callers submitted, reads and dispatches the frames that arrived, expires calls
/// past their deadline, and keeps the ``HeartbeatClock``: it calls into the library at least every
/// half heartbeat so that heartbeats are sent, and ends the connection when nothing arrived for two
/// heartbeats, whatever it was writing meanwhile. Swift callers never block: they await ``Promise``s this thread settles.
///
/// The thread holds the connection's ``DriverLock`` except while it sleeps in `poll()`; a caller that
/// takes the lock then may execute a publish itself (``executeForCaller(_:)``), so the connection
/// always has one user at a time.
///
/// Synchronous AMQP methods are sent with `amqp_send_method` and their replies matched here, rather
/// than through rabbitmq-c's blocking RPC helpers, so one slow reply never stops the other channels,
/// the heartbeats, or the deliveries.
final class IODriver {
    let core: ConnectionCore
    let connection: amqp_connection_state_t
    var logger: Logger
    var pool = ScratchPool()
    var channels: [UInt16: ChannelState] = [:]
    var channelNumbers = ChannelNumberAllocator(maximum: 1)
    var generation: UInt64 = 0
    /// Set once the connection is finished; the loop then exits.
    var finished = false
    /// Set while the broker has blocked publishing on this connection (`connection.blocked`).
    var blockedByBroker = false
    /// Set while our `connection.close` waits for its `close-ok`.
    var closing: (promise: Promise<Void>, deadline: ContinuousClock.Instant)?
    var socketFD: Int32 = -1
    /// Set once the handshake succeeded.
    var established = false
    /// Heartbeats to send and the broker's silence to watch; off until the handshake negotiated them.
    var heartbeats = HeartbeatClock(interval: .zero, now: .now)
    /// The connection's entry with the ``SilenceWatchdog`` (with heartbeats on).
    var silenceWatch: SilenceWatch?
    var heartbeatInterval: Duration { heartbeats.interval }
    /// Where message properties are test-encoded before a publish (see `checkPropertiesFit`).
    var propertiesBuffer = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var commandBuffer: [Command] = []
    /// Consumers that got deliveries in the current read batch; woken at its end.
    var buffersToFlush: [DeliveryBuffer] = []
    /// Channels with acks queued in their ``AckCoalescer``; sent after the current commands.
    var channelsWithQueuedAcks: [ChannelState] = []

    init(core: ConnectionCore) throws(AMQPError) {
        guard let connection = amqp_new_connection() else {
            throw AMQPError(.resourceExhausted, "rabbitmq-c could not allocate a connection")
        }
        self.core = core
        self.connection = connection
        self.logger = core.logger
        logger[metadataKey: "amqp.url"] = "\(core.configuration.redactedURL)"
    }

    deinit {
        amqp_destroy_connection(connection)
        propertiesBuffer.deallocate()
    }

    /// Starts the I/O thread: it connects, settles `connected`, then serves the connection until it
    /// closes.
    static func start(core: ConnectionCore, connected: Promise<Void>) {
        // Before there is a driver to finish the connection: tell the caller and close the inbox.
        let failBeforeDriver: @Sendable (AMQPError) -> Void = { error in
            connected.fail(error)
            core.closeSignal.signal(error)
            _ = core.inbox.close(with: error)
        }
        do throws(AMQPError) {
            try IOThread.start(name: "warren-amqp-io") {
                let driver: IODriver
                do throws(AMQPError) {
                    driver = try IODriver(core: core)
                } catch {
                    failBeforeDriver(error)
                    return
                }
                // The I/O thread holds the lock from here on except in poll(); callers find no driver
                // until the handshake is done.
                core.driverLock.lock()
                do throws(AMQPError) {
                    try driver.connect()
                } catch {
                    connected.fail(error)
                    driver.finish(error)
                    core.driverLock.unlock()
                    return
                }
                // Callers may use the driver from now on, whenever the loop sleeps.
                core.driverLock.setDriver(driver)
                connected.succeed(())
                driver.run()
                core.driverLock.setDriver(nil)
                core.driverLock.unlock()
            }
        } catch {
            failBeforeDriver(error)
        }
    }

    // MARK: - The loop

    /// Serves the connection until it is finished. Called, and returns, holding the ``DriverLock``.
    private func run() {
        var descriptors = [
            pollfd(fd: socketFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: core.inbox.wakeupFD, events: Int16(POLLIN), revents: 0),
        ]
        while !finished {
            executeCommands()
            if finished { break }

            let buffered = amqp_frames_enqueued(connection) != 0 || amqp_data_in_buffer(connection) != 0
            let socketReadable = descriptors[0].revents & Int16(POLLIN | POLLERR | POLLHUP) != 0
            let now = ContinuousClock.now
            if socketReadable {
                heartbeats.received(at: now)
                silenceWatch?.received()
            }
            let heartbeat = heartbeats.action(at: now)
            if buffered || socketReadable || heartbeat != .none {
                // At .peerSilent this read is rabbitmq-c's receive-deadline check: a heartbeat timeout.
                readFrames()
                if finished { break }
                if heartbeat == .peerSilent { heartbeats.libraryFoundTraffic(at: now) }
            }
            if closing != nil || hasPendingCalls { expireCalls() }
            if finished { break }

            let stillBuffered = amqp_frames_enqueued(connection) != 0 || amqp_data_in_buffer(connection) != 0
            descriptors[0].revents = 0
            descriptors[1].revents = 0
            let timeout = stillBuffered ? 0 : pollTimeoutMilliseconds()
            core.driverLock.unlock()
            let ready = poll(&descriptors, 2, timeout)
            let pollError = errno
            core.driverLock.lock()
            if ready < 0 && pollError != EINTR {
                finish(AMQPError(.protocolError, "poll() failed: \(String(cString: strerror(pollError)))"))
            }
        }
    }

    /// Executes the commands waiting in the inbox, in order, then the acks they queued.
    func executeCommands() {
        core.driverLock.assertHeldByCurrentThread()
        core.inbox.drain(into: &commandBuffer)
        for command in commandBuffer {
            if finished {
                fail(command, with: core.closeSignal.reason ?? AMQPError(.connectionClosed, "the connection is closed"))
            } else {
                // Acks go out before anything else the application asked for after them (a channel
                // close must not overtake them).
                if case .settle = command {} else { sendQueuedAcks() }
                execute(command)
            }
        }
        commandBuffer.removeAll(keepingCapacity: true)
        if !finished { sendQueuedAcks() }
    }

    /// The most frames read in one go before commands and deadlines get their turn.
    static let maxFramesPerBatch = 512

    /// Reads the frames that are available without blocking (at most a batch) and dispatches them.
    private func readFrames() {
        core.driverLock.assertHeldByCurrentThread()
        var frame = amqp_frame_t()
        var zero = timeval(tv_sec: 0, tv_usec: 0)
        var count = 0
        defer { if count > 1 { silenceWatch?.received() } }
        while !finished && count < Self.maxFramesPerBatch {
            count += 1
            let now = ContinuousClock.now
            heartbeats.libraryCalled(at: now)
            let status = amqp_simple_wait_frame_noblock(connection, &frame, &zero)
            if status == AMQP_STATUS_TIMEOUT.rawValue { break }
            guard status == AMQP_STATUS_OK.rawValue else {
                finish(connectionError(status, while: "reading from the broker"))
                return
            }
            heartbeats.received(at: now)
            do {
                try dispatch(frame)
            } catch {
                // Only framing errors reach here: the stream can no longer be trusted.
                finish(error)
                return
            }
        }
        for buffer in buffersToFlush { buffer.flush() }
        buffersToFlush.removeAll(keepingCapacity: true)
        amqp_maybe_release_buffers(connection)
    }

    private func pollTimeoutMilliseconds() -> Int32 {
        var wait: Duration? = nil
        if let wakeup = heartbeats.nextWakeup {
            wait = max(.zero, wakeup - ContinuousClock.now)
        }
        if let deadline = nextDeadline() {
            let untilDeadline = max(.zero, deadline - ContinuousClock.now)
            wait = min(wait ?? untilDeadline, untilDeadline)
        }
        guard let wait else { return -1 }
        let milliseconds = wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000
        return Int32(clamping: milliseconds + 1)
    }

    /// True when a channel has a synchronous call on the wire or waiting.
    var hasPendingCalls: Bool {
        channels.values.contains { !$0.calls.isEmpty }
    }

    private func nextDeadline() -> ContinuousClock.Instant? {
        var earliest = closing?.deadline
        for channel in channels.values {
            guard let deadline = channel.calls.nextDeadline else { continue }
            earliest = min(earliest ?? deadline, deadline)
        }
        return earliest
    }

    /// Fails the calls whose deadline passed (see ``CallQueue/expire(now:)``).
    private func expireCalls() {
        let now = ContinuousClock.now
        if let closing, closing.deadline <= now {
            let reason = AMQPError(.connectionClosed, "the connection was closed by the application")
            finish(reason)
            closing.promise.succeed(())
            return
        }
        for channel in channels.values {
            for expiry in channel.calls.expire(now: now) {
                switch expiry {
                case .unanswered(let entry):
                    entry.call.fail(
                        AMQPError(
                            .timeout,
                            "the broker did not answer within \(core.configuration.callTimeout); the effect of the call is unknown",
                            operation: entry.call.operation,
                            object: entry.call.request?.object,
                            channel: channel.number
                        )
                    )
                case .neverSent(let entry, let blockedBy):
                    entry.call.fail(
                        AMQPError(
                            .timeout,
                            "not sent within \(core.configuration.callTimeout): the channel still waits for the broker's answer to \(blockedBy.call.operation), and sends one call at a time; nothing was done at the broker",
                            operation: entry.call.operation,
                            object: entry.call.request?.object,
                            channel: channel.number
                        )
                    )
                }
            }
        }
    }

    // MARK: - Ending

    /// Ends the connection: fails everything still waiting, closes the socket, tells the waiters.
    func finish(_ reason: AMQPError) {
        core.driverLock.assertHeldByCurrentThread()
        guard !finished else { return }
        finished = true
        silenceWatch?.end()
        // First make the connection look closed (isOpen false), so nobody picks it up again while
        // its calls and channels are being failed.
        core.closeSignal.signal(reason)
        let byApplication = closing != nil
        if byApplication || !established {
            // A failed connect is reported to the caller of connect(); no need to log it here too.
            logger.debug("AMQP connection closed", metadata: ["reason": "\(reason)"])
        } else {
            logger.warning("AMQP connection ended", metadata: ["reason": "\(reason)"])
        }
        for command in core.inbox.close(with: reason) {
            fail(command, with: reason)
        }
        for channel in Array(channels.values) {
            finishChannel(channel, reason: reason, byApplication: byApplication)
        }
        core.blocked.finish()
        // rabbitmq-c 0.11 has no public socket close; shut the socket down now so the broker sees the
        // end at once, and amqp_destroy_connection (in deinit) closes the descriptor. rabbitmq-c closes
        // it itself on some errors (heartbeat timeout, failed login) and then reports -1: never shut
        // down a stale number, which may belong to someone else by now.
        let descriptor = amqp_get_sockfd(connection)
        if descriptor >= 0 {
            shutdown(descriptor, Int32(SHUT_RDWR))
        }
        socketFD = -1
    }

    /// Forgets a channel: fails its calls and publishes, ends its consumers, frees its number.
    func finishChannel(_ channel: ChannelState, reason: AMQPError, byApplication: Bool) {
        channel.lifecycle.finished()
        channel.shared.markClosed(reason)
        channels.removeValue(forKey: channel.number)
        channelNumbers.release(channel.number)
        for entry in channel.calls.removeAll() { entry.call.fail(reason) }
        if let completions = channel.confirms?.removeAll() {
            for completion in completions { completion.settle(reason) }
        }
        for (_, completion) in channel.waitingPublishes { completion.settle(reason) }
        channel.waitingPublishes.removeAll()
        for consumer in channel.consumers.values {
            if byApplication { consumer.buffer.finish() } else { consumer.buffer.finish(throwing: reason) }
        }
        channel.consumers.removeAll()
        channel.assembler.reset()
    }

    /// Fails a command that will not be executed.
    func fail(_ command: Command, with error: AMQPError) {
        switch command {
        case .openChannel(let promise):
            promise.fail(error)
        case .rpc(_, let request, let promise):
            if case .basicConsume(_, _, _, _, _, let buffer) = request { buffer.finish(throwing: error) }
            promise.fail(error)
        case .publish(_, _, let promise), .publishOne(_, _, let promise):
            promise.fail(error)
        case .settle:
            break
        case .close(let promise):
            promise.succeed(())
        }
    }

    /// The error for a failed library call on the connection as a whole.
    func connectionError(_ status: Int32, while activity: String) -> AMQPError {
        let text = String(cString: amqp_error_string2(status))
        switch status {
        case _ where silenceWatch?.fired == true, AMQP_STATUS_HEARTBEAT_TIMEOUT.rawValue:
            return AMQPError(
                .connectionLost,
                "the broker sent nothing for two heartbeat intervals (\(heartbeatInterval) each) while \(activity): it or the network is stalled"
            )
        case AMQP_STATUS_CONNECTION_CLOSED.rawValue, AMQP_STATUS_SOCKET_ERROR.rawValue,
             AMQP_STATUS_SOCKET_CLOSED.rawValue, AMQP_STATUS_TCP_ERROR.rawValue, AMQP_STATUS_SSL_ERROR.rawValue:
            return AMQPError(.connectionLost, "the connection to the broker was lost while \(activity): \(text)")
        default:
            return AMQPError(.protocolError, "rabbitmq-c failed while \(activity): \(text) (status \(status))")
        }
    }

    /// True for library statuses that leave the connection unusable.
    func isFatal(_ status: Int32) -> Bool {
        switch status {
        case AMQP_STATUS_TABLE_TOO_BIG.rawValue, AMQP_STATUS_INVALID_PARAMETER.rawValue,
             AMQP_STATUS_BAD_AMQP_DATA.rawValue:
            return false
        default:
            return true
        }
    }
}
