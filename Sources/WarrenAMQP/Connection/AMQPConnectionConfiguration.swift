#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension AMQPConnection {
    /// Where and how to connect: broker address, credentials, virtual host and connection tuning.
    ///
    /// Build one from defaults and set what differs, or parse an AMQP URL:
    ///
    /// ```swift
    /// var configuration = AMQPConnection.Configuration()
    /// configuration.host = "rabbit.internal"
    /// configuration.connectionName = "billing-worker"
    ///
    /// let fromURL = try AMQPConnection.Configuration(url: "amqp://app:s3cret@rabbit.internal/orders?heartbeat=10")
    /// let fromEnv = try AMQPConnection.Configuration.fromEnvironment()   // AMQP_URL, or the local default
    /// ```
    ///
    /// Printing a configuration, interpolating it, `dump`-ing it or reading ``redactedURL`` never shows
    /// the password: it is written as `***`.
    public struct Configuration: Sendable, Hashable {
        /// The AMQP port without TLS, 5672.
        public static let defaultPort = 5672
        /// The AMQP port with TLS (`amqps`), 5671.
        public static let defaultTLSPort = 5671

        /// The broker's host name or IP address. IPv6 addresses are stored without brackets (`::1`).
        /// Default `127.0.0.1`.
        public var host: String = "127.0.0.1"
        /// The broker's TCP port. Default 5672; ``init(url:)`` uses 5671 for `amqps://` URLs without a
        /// port. Setting ``tls`` does not change the port.
        public var port: Int = Configuration.defaultPort
        /// The virtual host to open. Default `/` (written `%2F` in a URL).
        public var virtualHost: String = "/"
        /// The user name for PLAIN authentication. Default `guest`.
        public var user: String = "guest"
        /// The password for PLAIN authentication. Default `guest`. Never printed: descriptions and
        /// ``redactedURL`` show `***`.
        public var password: String = "guest"
        /// Whether to connect with TLS. Set by `amqps://` URLs. Default `false`.
        ///
        /// With TLS the client checks the broker's certificate and the host name by default: against
        /// ``TLSOptions/caCertificatePath`` when given, else against the system CA store, which needs
        /// rabbitmq-c 0.14 or later (see ``tlsOptions`` and ``RabbitMQC/supportsSystemCAStore``).
        public var tls: Bool = false
        /// How to set up TLS when ``tls`` is on: the CA to trust, an optional client certificate, and
        /// what to verify. Default: no files, peer and host name verification on (against the system CA
        /// store with rabbitmq-c 0.14 or later; older versions need a CA file). URL parameters
        /// `cacertfile`, `certfile`, `keyfile`, `verify` and `server_name_indication=disable`.
        ///
        /// Connecting without TLS while these differ from the defaults fails with
        /// ``AMQPError/Code/invalidArgument``, so that a forgotten `tls = true` never silently sends
        /// credentials in clear text.
        public var tlsOptions = TLSOptions()
        /// A name for the connection, shown in the RabbitMQ management UI and `rabbitmqctl
        /// list_connections` as `connection_name`. Default `nil` (no name). URL parameter `name`.
        public var connectionName: String?
        /// The heartbeat interval to ask the broker for. `.zero` disables heartbeats. Default 30 s.
        /// AMQP negotiates it in whole seconds. URL parameter `heartbeat` (seconds).
        public var heartbeat: Duration = .seconds(30)
        /// The largest frame to ask the broker for, in bytes. Default 131072 (rabbitmq-c accepts 4096
        /// to 2147483647). URL parameter `frame_max`.
        public var frameMax: Int = 131_072
        /// The most channels to ask the broker for. Default 2047; 0 means no limit (65535). URL
        /// parameter `channel_max`.
        public var channelMax: Int = 2047
        /// The time limit for opening the TCP connection and completing the AMQP handshake. Default
        /// 10 s. URL parameter `connection_timeout` (milliseconds).
        public var connectTimeout: Duration = .seconds(10)
        /// The time limit of each synchronous AMQP call (such as `queue.declare` or `channel.open`):
        /// how long to wait for the broker's reply before failing with ``AMQPError/Code/timeout``.
        /// Default 30 s. Not settable from a URL.
        public var callTimeout: Duration = .seconds(30)
        /// Extra client properties sent to the broker in `connection.start-ok`, next to the ones the
        /// library sends itself (product, version, capabilities, `connection_name`). Default empty.
        /// Not settable from a URL.
        public var clientProperties: [String: String] = [:]

        /// A configuration with all defaults: `amqp://guest:guest@127.0.0.1:5672/%2F`, heartbeat 30 s,
        /// frame max 131072, channel max 2047, connect timeout 10 s, call timeout 30 s.
        public init() {}

        /// Parses an AMQP URL as RabbitMQ's URI specification describes it:
        /// `amqp[s]://[user[:password]@]host[:port][/vhost][?query]`.
        ///
        /// - The scheme is `amqp` or `amqps` (case-insensitive); `amqps` sets ``tls`` and makes the
        ///   default port 5671 instead of 5672.
        /// - User, password and vhost are percent-decoded: `%2F` is `/`, `%40` is `@`, `%3A` is `:`.
        ///   A missing user or password is `guest`.
        /// - The host is required. IPv6 addresses go in brackets: `amqp://[::1]:5672`.
        /// - The vhost is one path segment. No path and a lone `/` both mean the vhost `/` (the
        ///   specification reads `amqp://host/` as the empty vhost, which no broker has). A `/` inside
        ///   a vhost name must be written `%2F`; `amqp://host/a/b` is an error.
        /// - Query parameters: `heartbeat` (seconds, 0 disables), `connection_timeout`
        ///   (milliseconds), `frame_max`, `channel_max`, and `name` (``connectionName``).
        /// - TLS query parameters, on `amqps://` URLs only (on `amqp://` they are an error naming the
        ///   parameter): `cacertfile`, `certfile` and `keyfile` (file paths; `certfile` and `keyfile`
        ///   together), `verify=verify_peer` (the default) or `verify=verify_none` (no peer and no host
        ///   name verification), and `server_name_indication=disable` (no host name verification). See
        ///   ``TLSOptions``.
        /// - `auth_mechanism`, `fail_if_no_peer_cert`, `depth`, and `server_name_indication` with a
        ///   host name are specified but not supported: an error says so. Any other parameter is an
        ///   error naming it.
        /// - Surrounding whitespace is ignored.
        ///
        /// ```swift
        /// let configuration = try AMQPConnection.Configuration(
        ///     url: "amqps://app:p%40ss@rabbit.example.com/prod?heartbeat=10&name=billing")
        /// ```
        ///
        /// Fields the URL does not set (``callTimeout``, ``clientProperties``) keep their defaults.
        ///
        /// - Throws: ``AMQPError`` with code ``AMQPError/Code/invalidArgument`` and a message that
        ///   quotes the URL with the password as `***` and names the wrong part, for example
        ///   `invalid AMQP URL 'amqp://guest:***@host:99999/': port '99999' is not a number between 1 and 65535`.
        public init(url: String) throws(AMQPError) {
            self = try AMQPURLParser(url).parse()
        }

        /// The configuration as an AMQP URL with the password replaced by `***`, for logs.
        ///
        /// Always written out in full, e.g. `amqp://guest:***@127.0.0.1:5672/%2F`; query parameters
        /// appear only where ``heartbeat``, ``connectTimeout``, ``frameMax``, ``channelMax`` or
        /// ``connectionName`` differ from the defaults. With ``tls`` on, the ``tlsOptions`` that differ
        /// from the defaults follow: `cacertfile`, `certfile`, `keyfile` (paths are not secret and are
        /// shown), `verify=verify_none` when ``TLSOptions/verifyPeer`` is off, and
        /// `server_name_indication=disable` when only ``TLSOptions/verifyHostname`` is off.
        /// ``callTimeout`` and ``clientProperties`` have no URL form and are left out; so does the
        /// odd combination of ``TLSOptions/verifyPeer`` off with ``TLSOptions/verifyHostname`` on,
        /// which is written as `verify=verify_none` (both off).
        public var redactedURL: String {
            var url = tls ? "amqps://" : "amqp://"
            url += AMQPURLParser.percentEncode(user) + ":***@"
            url += AMQPURLParser.renderHost(host) + ":\(port)"
            url += "/" + AMQPURLParser.percentEncode(virtualHost)
            let defaults = Configuration()
            var query: [String] = []
            if heartbeat != defaults.heartbeat {
                query.append("heartbeat=" + Self.decimal(heartbeat, unitsPerSecond: 1))
            }
            if connectTimeout != defaults.connectTimeout {
                query.append("connection_timeout=" + Self.decimal(connectTimeout, unitsPerSecond: 1000))
            }
            if frameMax != defaults.frameMax { query.append("frame_max=\(frameMax)") }
            if channelMax != defaults.channelMax { query.append("channel_max=\(channelMax)") }
            if let connectionName { query.append("name=" + AMQPURLParser.percentEncode(connectionName)) }
            if tls {
                if let path = tlsOptions.caCertificatePath {
                    query.append("cacertfile=" + AMQPURLParser.percentEncodePath(path))
                }
                if let path = tlsOptions.certificatePath {
                    query.append("certfile=" + AMQPURLParser.percentEncodePath(path))
                }
                if let path = tlsOptions.keyPath { query.append("keyfile=" + AMQPURLParser.percentEncodePath(path)) }
                if !tlsOptions.verifyPeer {
                    query.append("verify=verify_none")
                } else if !tlsOptions.verifyHostname {
                    query.append("server_name_indication=disable")
                }
            }
            if !query.isEmpty { url += "?" + query.joined(separator: "&") }
            return url
        }

        /// The name of the environment variable ``fromEnvironment(_:)`` reads: `AMQP_URL`.
        public static let environmentVariable = "AMQP_URL"

        /// The configuration from the environment: the URL in `AMQP_URL` if it is set and not blank,
        /// otherwise `amqp://guest:guest@127.0.0.1:5672/%2F` (a local broker with default credentials,
        /// the same as ``init()``).
        ///
        /// - Parameter environment: The environment to read; by default the process environment.
        ///   Pass a dictionary in tests.
        /// - Throws: ``AMQPError`` with code ``AMQPError/Code/invalidArgument`` if `AMQP_URL` is set
        ///   but is not a valid AMQP URL; the message starts with `environment variable AMQP_URL:`
        ///   and, as for ``init(url:)``, names the wrong part and never shows the password.
        public static func fromEnvironment(
            _ environment: [String: String] = ProcessInfo.processInfo.environment
        ) throws(AMQPError) -> Configuration {
            let value = environment[environmentVariable] ?? ""
            guard value.contains(where: { !$0.isWhitespace }) else {
                return try Configuration(url: AMQPURLParser.defaultURL)
            }
            do {
                return try Configuration(url: value)
            } catch {
                var wrapped = error
                wrapped.message = "environment variable \(environmentVariable): \(error.message)"
                throw wrapped
            }
        }

        /// `duration` in units of `1 / unitsPerSecond` seconds, as a decimal without trailing zeros:
        /// `decimal(.seconds(30), unitsPerSecond: 1)` is `30`, `decimal(.milliseconds(1500), unitsPerSecond: 1)` is `1.5`.
        static func decimal(_ duration: Duration, unitsPerSecond: Int64) -> String {
            let attosecondsPerSecond: Int64 = 1_000_000_000_000_000_000
            let attosecondsPerUnit = attosecondsPerSecond / unitsPerSecond
            var (seconds, attoseconds) = duration.components
            let negative = seconds < 0 || attoseconds < 0
            if negative {
                seconds = -seconds
                attoseconds = -attoseconds
            }
            let whole = seconds.multipliedReportingOverflow(by: unitsPerSecond)
            guard !whole.overflow else { return "\(duration)" }
            let units = whole.partialValue + attoseconds / attosecondsPerUnit
            var text = (negative ? "-" : "") + "\(units)"
            let remainder = attoseconds % attosecondsPerUnit
            if remainder != 0 {
                var digits = String(remainder)
                let width = String(attosecondsPerUnit).count - 1
                digits = String(repeating: "0", count: max(0, width - digits.count)) + digits
                while digits.hasSuffix("0") { digits.removeLast() }
                text += "." + digits
            }
            return text
        }
    }
}

extension AMQPConnection.Configuration {
    /// TLS settings for `amqps://` connections: which CA to trust, an optional client certificate,
    /// and what to verify. Used only when ``AMQPConnection/Configuration/tls`` is on.
    ///
    /// ```swift
    /// var configuration = try AMQPConnection.Configuration(url: "amqps://app:secret@rabbit.internal/")
    /// configuration.tlsOptions.caCertificatePath = "/etc/warren/ca.pem"
    /// // or: amqps://app:secret@rabbit.internal/?cacertfile=/etc/warren/ca.pem
    /// ```
    ///
    /// The client uses TLS 1.2 or later. With ``verifyPeer`` on (the default) and no
    /// ``caCertificatePath``, the broker's certificate is checked against the system CA store
    /// (OpenSSL's default locations), which rabbitmq-c supports from 0.14 on: built with, or running
    /// with, an older rabbitmq-c (such as Debian 12's 0.11), connecting without a CA file fails with
    /// ``AMQPError/Code/invalidArgument`` before any network I/O (``RabbitMQC/supportsSystemCAStore``
    /// says which applies). With a CA file, only the CAs in it are trusted. The client always sends
    /// the configured host as the server name (SNI) and, with ``verifyHostname`` on, checks it
    /// against the certificate's DNS names (subject alternative names, or the common name when there
    /// are none). rabbitmq-c 0.11 does not match IP address entries: connecting to an IP address
    /// fails host name verification even when the certificate lists that address, so connect by a
    /// name the certificate lists.
    public struct TLSOptions: Sendable, Hashable {
        /// A PEM file with the CA certificate(s) that signed the broker's certificate (its chain up to
        /// a root this file holds); when given, the only CAs trusted. Without it the system CA store is
        /// used (rabbitmq-c 0.14 and later); with older rabbitmq-c it is required while ``verifyPeer``
        /// is on. URL parameter `cacertfile`.
        public var caCertificatePath: String?
        /// A PEM file with the client certificate (optionally followed by its intermediate CAs), for
        /// brokers that ask for one. Give it together with ``keyPath``. URL parameter `certfile`.
        public var certificatePath: String?
        /// A PEM file with the client certificate's private key, not password-protected. Give it
        /// together with ``certificatePath``. URL parameter `keyfile`.
        public var keyPath: String?
        /// Whether to check that the broker's certificate was issued by the CA in
        /// ``caCertificatePath`` (or, without it, by one in the system CA store) and is currently valid. Default `true`. Turning it off keeps the
        /// connection encrypted but lets anyone in the network path impersonate the broker. URL
        /// `verify=verify_none` turns it and ``verifyHostname`` off.
        public var verifyPeer: Bool = true
        /// Whether to check that the broker's certificate names the host connected to. Default
        /// `true`. URL `server_name_indication=disable` turns it off (as in RabbitMQ's URI
        /// specification; the host is still sent as the server name).
        public var verifyHostname: Bool = true

        /// TLS options; by default no files, with peer and host name verification on.
        public init(
            caCertificatePath: String? = nil,
            certificatePath: String? = nil,
            keyPath: String? = nil,
            verifyPeer: Bool = true,
            verifyHostname: Bool = true
        ) {
            self.caCertificatePath = caCertificatePath
            self.certificatePath = certificatePath
            self.keyPath = keyPath
            self.verifyPeer = verifyPeer
            self.verifyHostname = verifyHostname
        }
    }
}

extension AMQPConnection.Configuration: CustomStringConvertible {
    /// The configuration on one line, password hidden: the ``redactedURL``, plus ``callTimeout`` and
    /// the keys of ``clientProperties`` where they differ from the defaults. For example
    /// `AMQPConnection.Configuration(amqp://guest:***@127.0.0.1:5672/%2F)`.
    public var description: String {
        var parts = [redactedURL]
        if callTimeout != AMQPConnection.Configuration().callTimeout {
            parts.append("callTimeout: " + Self.decimal(callTimeout, unitsPerSecond: 1) + "s")
        }
        if !clientProperties.isEmpty {
            parts.append("clientProperties: [" + clientProperties.keys.sorted().joined(separator: ", ") + "]")
        }
        return "AMQPConnection.Configuration(" + parts.joined(separator: ", ") + ")"
    }
}

extension AMQPConnection.Configuration: CustomReflectable {
    /// The fields for `dump`, debuggers and test failure output, with the password shown as `***`.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host,
                "port": port,
                "virtualHost": virtualHost,
                "user": user,
                "password": "***",
                "tls": tls,
                "tlsOptions": tlsOptions,
                "connectionName": connectionName as Any,
                "heartbeat": heartbeat,
                "frameMax": frameMax,
                "channelMax": channelMax,
                "connectTimeout": connectTimeout,
                "callTimeout": callTimeout,
                "clientProperties": clientProperties,
            ],
            displayStyle: .struct
        )
    }
}
