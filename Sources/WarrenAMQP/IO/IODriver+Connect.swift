import CRabbitMQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension IODriver {
    /// How long after the I/O thread's own silence check the ``SilenceWatchdog`` steps in: only when
    /// that check could not run (the connection's user is blocked inside rabbitmq-c).
    static let watchdogMargin: Duration = .milliseconds(100)

    /// Opens the TCP connection (with TLS when configured) and performs the AMQP handshake. Blocks the
    /// I/O thread, bounded by the configured connect timeout.
    func connect() throws(AMQPError) {
        let configuration = core.configuration
        let address = configuration.host.contains(":")
            ? "[\(configuration.host)]:\(configuration.port)"
            : "\(configuration.host):\(configuration.port)"
        let socket: OpaquePointer
        if configuration.tls {
            socket = try makeTLSSocket(address: address)
        } else {
            guard configuration.tlsOptions == AMQPConnection.Configuration.TLSOptions() else {
                throw AMQPError(
                    .invalidArgument,
                    "TLS options are set but TLS is off for \(address): set tls = true (an amqps:// URL) "
                        + "to use them, or clear tlsOptions to connect without TLS"
                )
            }
            guard let tcp = amqp_tcp_socket_new(connection) else {
                throw AMQPError(.resourceExhausted, "rabbitmq-c could not create a TCP socket")
            }
            socket = tcp
        }
        var timeout = timeval(configuration.connectTimeout)
        let openStatus = configuration.host.withCString { host in
            amqp_socket_open_noblock(socket, host, Int32(configuration.port), &timeout)
        }
        guard openStatus == AMQP_STATUS_OK.rawValue else {
            if configuration.tls, let error = tlsOpenError(openStatus, address: address) {
                throw error
            }
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
        heartbeats = HeartbeatClock(interval: .seconds(heartbeat), now: .now)
        if heartbeat > 0, let watch = SilenceWatch(socket: socketFD, limit: heartbeats.silenceLimit + Self.watchdogMargin) {
            silenceWatch = watch
            SilenceWatchdog.watch(watch)
        }
        logger.debug(
            "AMQP connection open",
            metadata: [
                "heartbeat": "\(heartbeat)", "frame_max": "\(negotiated.frameMax)", "channel_max": "\(channelMax)",
                "rabbitmq_c": "\(RabbitMQC.loadedVersion)",
            ]
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
            var hint = status == AMQP_STATUS_TIMEOUT.rawValue
                ? "no answer within \(configuration.connectTimeout); is that an AMQP port?"
                : text
            if configuration.tls, status != AMQP_STATUS_TIMEOUT.rawValue {
                // With TLS 1.3 the broker checks the client certificate after the client's side of the
                // TLS handshake is done: a refusal shows up here, as a TLS alert or a closed socket.
                hint += configuration.tlsOptions.certificatePath == nil
                    ? ". The broker ended the TLS session: if it requires a client certificate "
                        + "(ssl_options.fail_if_no_peer_cert), give certfile and keyfile"
                    : ". The broker ended the TLS session: check that the client certificate (certfile) "
                        + "was issued by a CA the broker trusts (its ssl_options.cacertfile) and is valid"
            } else if status == AMQP_STATUS_SOCKET_ERROR.rawValue || status == AMQP_STATUS_CONNECTION_CLOSED.rawValue {
                // A TLS listener answers the plain AMQP header with an alert and closes the socket.
                hint += ". If port \(configuration.port) is the broker's TLS listener (5671 by default), use an amqps:// URL"
            }
            throw AMQPError(.connectionFailed, "the AMQP handshake with \(address) failed: \(hint)")
        }
    }

    // MARK: - TLS

    /// Creates the connection's TLS socket and configures it from ``AMQPConnection/Configuration/tlsOptions``:
    /// the CA file, or the system CA store when there is none (rabbitmq-c 0.14 and later), client
    /// certificate and key, verification flags, TLS 1.2 or later.
    private func makeTLSSocket(address: String) throws(AMQPError) -> OpaquePointer {
        let options = core.configuration.tlsOptions
        let useSystemCAStore = options.verifyPeer && options.caCertificatePath == nil
        if useSystemCAStore, !RabbitMQC.supportsSystemCAStore {
            throw systemCAStoreUnavailable(address: address)
        }
        if (options.certificatePath == nil) != (options.keyPath == nil) {
            throw AMQPError(
                .invalidArgument,
                "TLS client certificate for \(address): certfile and keyfile must be given together "
                    + "(tlsOptions.certificatePath and tlsOptions.keyPath)"
            )
        }
        for (path, name) in [
            (options.caCertificatePath, "CA file (cacertfile)"),
            (options.certificatePath, "client certificate file (certfile)"),
            (options.keyPath, "client key file (keyfile)"),
        ] {
            guard let path else { continue }
            guard access(path, R_OK) == 0 else {
                let reason = String(cString: strerror(errno))
                throw AMQPError(.invalidArgument, "TLS to \(address): the \(name) '\(path)' cannot be read: \(reason)")
            }
        }

        guard let socket = amqp_ssl_socket_new(connection) else {
            throw AMQPError(.resourceExhausted, "rabbitmq-c could not create a TLS socket (OpenSSL initialisation failed)")
        }
        if let path = options.caCertificatePath {
            let status = path.withCString { amqp_ssl_socket_set_cacert(socket, $0) }
            guard status == AMQP_STATUS_OK.rawValue else {
                throw AMQPError(
                    .invalidArgument,
                    "TLS to \(address): the CA file (cacertfile) '\(path)' holds no usable PEM certificate"
                )
            }
        } else if useSystemCAStore {
            let status = warren_ssl_socket_use_system_ca_store(socket)
            if status == WARREN_SYSTEM_CA_STORE_UNAVAILABLE { throw systemCAStoreUnavailable(address: address) }
            guard status == AMQP_STATUS_OK.rawValue else {
                let text = String(cString: amqp_error_string2(status))
                throw AMQPError(
                    .connectionFailed,
                    "TLS to \(address): the system CA store could not be loaded (\(text)); give the CA that "
                        + "issued the broker's certificate as a file: cacertfile=/path/to/ca.pem in the amqps:// URL "
                        + "(or tlsOptions.caCertificatePath)"
                )
            }
        }
        if let certificatePath = options.certificatePath, let keyPath = options.keyPath {
            // A password-protected key would make OpenSSL prompt on the terminal from the I/O thread.
            // An empty default password makes it fail instead.
            amqp_ssl_socket_set_key_passwd(socket, emptyKeyPassword)
            let status = certificatePath.withCString { certificate in
                keyPath.withCString { key in amqp_ssl_socket_set_key(socket, certificate, key) }
            }
            guard status == AMQP_STATUS_OK.rawValue else {
                throw AMQPError(
                    .invalidArgument,
                    "TLS to \(address): the client certificate '\(certificatePath)' and key '\(keyPath)' could not be "
                        + "loaded: both must be PEM, the key must belong to the certificate and must not be "
                        + "password-protected"
                )
            }
        }
        amqp_ssl_socket_set_verify_peer(socket, options.verifyPeer ? 1 : 0)
        amqp_ssl_socket_set_verify_hostname(socket, options.verifyHostname ? 1 : 0)
        let versions = amqp_ssl_socket_set_ssl_versions(socket, AMQP_TLSv1_2, AMQP_TLSvLATEST)
        guard versions == AMQP_STATUS_OK.rawValue else {
            let text = String(cString: amqp_error_string2(versions))
            throw AMQPError(.connectionFailed, "TLS to \(address): cannot require TLS 1.2 or later: \(text)")
        }
        if !options.verifyPeer {
            logger.warning(
                "TLS peer verification is off: the connection is encrypted, but the broker is not authenticated",
                metadata: ["address": "\(address)"]
            )
        }
        return socket
    }

    /// The error for verifying the broker without a CA file when the system CA store cannot be used:
    /// the rabbitmq-c compiled in, or the one loaded, is older than 0.14.
    private func systemCAStoreUnavailable(address: String) -> AMQPError {
        let which = warren_headers_have_system_ca_store() == 0
            ? "WarrenAMQP was built with rabbitmq-c \(RabbitMQC.headerVersion)"
            : "the rabbitmq-c loaded is \(RabbitMQC.loadedVersion) (WarrenAMQP was built with \(RabbitMQC.headerVersion))"
        return AMQPError(
            .invalidArgument,
            "TLS to \(address) verifies the broker's certificate, but no CA file is given, and the system CA "
                + "store cannot be used: \(which), older than 0.14, which added it. Add cacertfile=/path/to/ca.pem "
                + "to the amqps:// URL (or set tlsOptions.caCertificatePath) with the CA that issued the "
                + "broker's certificate"
        )
    }

    /// The error for a failed TLS open, or nil when the failure is not about TLS (nothing listening,
    /// timeout), which the TCP wording covers.
    private func tlsOpenError(_ status: Int32, address: String) -> AMQPError? {
        let configuration = core.configuration
        switch status {
        case AMQP_STATUS_SSL_PEER_VERIFY_FAILED.rawValue:
            guard let caFile = configuration.tlsOptions.caCertificatePath else {
                return AMQPError(
                    .tlsVerificationFailed,
                    "TLS peer verification failed for \(address): the broker's certificate was not issued by a CA "
                        + "in the system CA store (no cacertfile was given), or it has expired or is not yet valid. "
                        + "For a broker with a private CA, add cacertfile=/path/to/ca.pem to the amqps:// URL (or "
                        + "set tlsOptions.caCertificatePath); otherwise check that the clocks agree"
                )
            }
            return AMQPError(
                .tlsVerificationFailed,
                "TLS peer verification failed for \(address): the broker's certificate was not issued by the CA in "
                    + "'\(caFile)' (cacertfile), or it has expired or "
                    + "is not yet valid. Check that cacertfile is the CA (or chain) that issued the broker's "
                    + "certificate (ssl_options.certfile on the broker) and that the clocks agree"
            )
        case AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED.rawValue:
            return AMQPError(
                .tlsVerificationFailed,
                "TLS host name verification failed for \(address): the broker's certificate does not name the "
                    + "host '\(configuration.host)'. Connect with a host name the certificate lists in its subject "
                    + "alternative names (DNS entries; rabbitmq-c 0.11 does not match IP address entries), or "
                    + "turn host name verification off (server_name_indication=disable)"
            )
        case AMQP_STATUS_SSL_CONNECTION_FAILED.rawValue:
            return AMQPError(
                .connectionFailed,
                "TLS handshake with \(address) failed. Check that port \(configuration.port) is the broker's TLS "
                    + "listener (listeners.ssl, 5671 by default) and not plain AMQP, that it accepts TLS 1.2 or "
                    + "later, and, if it requires a client certificate, that certfile and keyfile are given"
            )
        case AMQP_STATUS_SSL_ERROR.rawValue:
            return AMQPError(
                .connectionFailed,
                "TLS with \(address) failed (an OpenSSL error). Check that port \(configuration.port) is the "
                    + "broker's TLS listener and that the certificate files are valid PEM"
            )
        default:
            return nil
        }
    }
}

/// An empty password for OpenSSL's default key-password callback, so that a password-protected key
/// fails to load instead of prompting on the terminal. Never written.
nonisolated(unsafe) private let emptyKeyPassword: UnsafePointer<CChar> = {
    let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
    buffer.initialize(to: 0)
    return UnsafePointer(buffer)
}()

extension timeval {
    /// A `timeval` for a Swift duration (negative durations become zero).
    init(_ duration: Duration) {
        let components = max(duration, .zero).components
        // time_t and suseconds_t: Int and Int on Linux, Int and Int32 on Darwin.
        self.init(
            tv_sec: time_t(clamping: components.seconds),
            tv_usec: suseconds_t(components.attoseconds / 1_000_000_000_000)
        )
    }
}
