import CRabbitMQ
import Foundation

extension IODriver {
    /// Opens the TCP connection and performs the AMQP handshake. Blocks the I/O thread, bounded by the
    /// configured connect timeout.
    func connect() throws(AMQPError) {
        let configuration = core.configuration
        let address = configuration.host.contains(":")
            ? "[\(configuration.host)]:\(configuration.port)"
            : "\(configuration.host):\(configuration.port)"
        guard !configuration.tls else {
            throw AMQPError(
                .invalidArgument,
                "amqps:// (TLS) is not supported by this version of Warren yet; use amqp:// on a trusted network"
            )
        }
        guard let socket = amqp_tcp_socket_new(connection) else {
            throw AMQPError(.resourceExhausted, "rabbitmq-c could not create a TCP socket")
        }
        var timeout = timeval(configuration.connectTimeout)
        let openStatus = configuration.host.withCString { host in
            amqp_socket_open_noblock(socket, host, Int32(configuration.port), &timeout)
        }
        guard openStatus == AMQP_STATUS_OK.rawValue else {
            let text = String(cString: amqp_error_string2(openStatus))
            let hint = openStatus == AMQP_STATUS_TIMEOUT.rawValue
                ? "no answer within \(configuration.connectTimeout)"
                : text
            throw AMQPError(
                .connectionFailed,
                "could not connect to \(address): \(hint). Is RabbitMQ running and listening there?"
            )
        }
        socketFD = amqp_get_sockfd(connection)
        _ = amqp_set_handshake_timeout(connection, &timeout)

        defer { pool.reset() }
        let properties = try clientProperties().cTable(in: pool.pointer)
        let heartbeatSeconds = Int32(clamping: configuration.heartbeat.components.seconds)
        let reply = withUnsafePointer(to: properties) { properties in
            configuration.virtualHost.withCString { vhost in
                configuration.user.withCString { user in
                    configuration.password.withCString { password in
                        warren_login_plain(
                            connection, vhost, Int32(clamping: configuration.channelMax),
                            Int32(clamping: configuration.frameMax), heartbeatSeconds, properties, user, password
                        )
                    }
                }
            }
        }
        try checkLogin(reply, address: address)

        let heartbeat = Int(amqp_get_heartbeat(connection))
        heartbeatInterval = .seconds(heartbeat)
        let channelMax = Int(amqp_get_channel_max(connection))
        channelNumbers = ChannelNumberAllocator(maximum: UInt16(clamping: channelMax == 0 ? 65535 : channelMax))
        var negotiated = ConnectionCore.Negotiated(
            heartbeat: heartbeat,
            frameMax: Int(amqp_get_frame_max(connection)),
            channelMax: channelMax
        )
        if let serverProperties = amqp_get_server_properties(connection) {
            negotiated.serverProperties = AMQPTable(cTable: serverProperties.pointee)
        }
        core.negotiated.withLock { $0 = negotiated }
        established = true
        lastLibraryCall = .now
        logger.debug(
            "AMQP connection open",
            metadata: ["heartbeat": "\(heartbeat)", "frame_max": "\(negotiated.frameMax)", "channel_max": "\(channelMax)"]
        )
    }

    /// The client properties: who we are and the capabilities this client relies on.
    private func clientProperties() -> AMQPTable {
        var properties: AMQPTable = [
            "product": "Warren",
            "version": .string(AMQPConnection.clientVersion),
            "platform": "Swift",
            "information": "Warren: durable task queues on RabbitMQ, over rabbitmq-c",
            "capabilities": [
                "publisher_confirms": true,
                "consumer_cancel_notify": true,
                "connection.blocked": true,
                "basic.nack": true,
                "authentication_failure_close": true,
                "exchange_exchange_bindings": true,
                "per_consumer_qos": true,
            ],
        ]
        if let name = core.configuration.connectionName {
            properties["connection_name"] = .string(name)
        }
        for (key, value) in core.configuration.clientProperties.sorted(by: { $0.key < $1.key }) {
            properties[key] = .string(value)
        }
        return properties
    }

    private func checkLogin(_ reply: amqp_rpc_reply_t, address: String) throws(AMQPError) {
        let configuration = core.configuration
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            guard reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD,
                  let decoded = reply.reply.decoded?.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            else {
                throw AMQPError(.connectionFailed, "the broker at \(address) refused the handshake")
            }
            let code = decoded.reply_code
            let text = decoded.reply_text.string
            switch code {
            case 403:
                throw AMQPError(
                    .authenticationFailed,
                    "access refused: the broker at \(address) rejected user '\(configuration.user)' or its password",
                    replyCode: code, replyText: text, operation: "connection.start-ok"
                )
            case 530:
                throw AMQPError(
                    .virtualHostNotAccessible,
                    "virtual host '\(configuration.virtualHost)' does not exist on \(address), or user '\(configuration.user)' may not use it",
                    replyCode: code, replyText: text, operation: "connection.open"
                )
            default:
                throw AMQPError(
                    .connectionFailed, "the broker at \(address) closed the connection during the handshake",
                    replyCode: code, replyText: text
                )
            }
        default:
            let status = reply.library_error
            let text = String(cString: amqp_error_string2(status))
            let hint = status == AMQP_STATUS_TIMEOUT.rawValue
                ? "no answer within \(configuration.connectTimeout); is that an AMQP port?"
                : text
            throw AMQPError(.connectionFailed, "the AMQP handshake with \(address) failed: \(hint)")
        }
    }
}

extension timeval {
    /// A `timeval` for a Swift duration (negative durations become zero).
    init(_ duration: Duration) {
        let components = max(duration, .zero).components
        self.init(
            tv_sec: Int(components.seconds),
            tv_usec: Int(components.attoseconds / 1_000_000_000_000)
        )
    }
}
