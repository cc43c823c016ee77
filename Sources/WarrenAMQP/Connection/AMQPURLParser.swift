/// Parses an AMQP URI (RabbitMQ's "AMQP URI Specification" plus its "URI Query Parameters") into an
/// ``AMQPConnection/Configuration``.
///
/// Accepted form:
///
/// ```text
/// amqp[s]://[user[:password]@]host[:port][/vhost][?key=value&...]
/// ```
///
/// Choices where the specification leaves room, or where this parser departs from it:
/// - The scheme is case-insensitive (RFC 3986); `amqps` sets `tls` and makes the default port 5671.
/// - The host is required: `amqp://` and `amqp://:5672` are errors rather than "localhost", because
///   an empty host in a configured URL is almost always a missing substitution.
/// - An absent path and a lone `/` both mean the vhost `/`. (The specification reads `amqp://host/`
///   as the empty vhost `""`, which no broker has; most clients treat it as `/` as well.) The vhost
///   `/` itself is written `%2F`.
/// - The vhost is one path segment: a second unencoded `/` is an error, so `amqp://host/a/b` cannot
///   silently mean either `a/b` or `a`.
/// - Absent user or password means `guest`; present but empty (`amqp://:@host`) means the empty
///   string, as the specification says.
/// - The userinfo ends at the last `@` of the authority, so a password with an unencoded `@` still
///   parses; `/`, `?` and `#` in a password must be percent-encoded.
/// - User, password, host, vhost and query keys and values are percent-decoded; `+` is a literal
///   plus, not a space. Decoded text must be UTF-8 and must not contain NUL (rabbitmq-c takes C strings).
/// - Surrounding whitespace (for example a trailing newline from an environment file) is ignored;
///   control characters inside the URL are errors.
/// - Query parameters: `heartbeat` (seconds, 0...65535, 0 disables), `connection_timeout`
///   (milliseconds, at least 1), `frame_max` (4096...2147483647), `channel_max` (0...65535, 0 means
///   no limit), `name` (the connection name).
/// - TLS query parameters, accepted on `amqps://` only (on `amqp://` they are an error naming the
///   parameter, since they would silently do nothing): `cacertfile`, `certfile`, `keyfile` (non-empty
///   paths; `certfile` and `keyfile` only together), `verify` (`verify_peer` or `verify_none`; the
///   latter turns off peer and host name verification, as in the Erlang client) and
///   `server_name_indication`, of which only the value `disable` (no host name verification) is
///   supported: rabbitmq-c 0.11 always sends the URL's host as the server name and checks the
///   certificate against it, so another name cannot be given.
/// - `auth_mechanism`, `fail_if_no_peer_cert` and `depth` are specified but not supported, and say
///   so; anything else is an unknown parameter. A parameter given twice is an error. A fragment
///   (`#...`) is an error.
///
/// Every error has code ``AMQPError/Code/invalidArgument`` and reads
/// `invalid AMQP URL '<url with password as ***>': <which part is wrong and how>`. The password never
/// appears in an error: the URL is redacted before parsing starts, conservatively (when the URL is
/// malformed, everything that might be the password is hidden).
struct AMQPURLParser {
    /// The URL used when nothing is configured.
    static let defaultURL = "amqp://guest:guest@127.0.0.1:5672/%2F"

    /// The query parameters this client understands, in the order the redacted URL writes them.
    static let supportedQueryParameters = [
        "heartbeat", "connection_timeout", "frame_max", "channel_max", "name",
        "cacertfile", "certfile", "keyfile", "verify", "server_name_indication",
    ]

    /// The query parameters that only apply to `amqps://` URLs.
    static let tlsQueryParameters: Set<String> = [
        "cacertfile", "certfile", "keyfile", "verify", "server_name_indication",
    ]

    /// Query parameters from RabbitMQ's specification that this client does not support, with the
    /// reason given in the error.
    static let unsupportedSpecifiedQueryParameters: [String: String] = [
        "auth_mechanism":
            "this client authenticates with PLAIN (user name and password) only",
        "fail_if_no_peer_cert":
            "it is a server-side setting (ssl_options.fail_if_no_peer_cert in the broker's rabbitmq.conf); "
            + "a client sends its certificate whenever certfile and keyfile are given",
        "depth":
            "rabbitmq-c 0.11 does not let the verification depth be set; OpenSSL's default (100) applies",
    ]

    /// Range of `heartbeat`, in seconds (AMQP 0-9-1 carries it as a 16-bit value).
    static let heartbeatRange = 0...65535
    /// Range of `connection_timeout`, in milliseconds.
    static let connectionTimeoutRange = 1...2_147_483_647
    /// Range of `frame_max`, in bytes (rabbitmq-c's limits).
    static let frameMaxRange = 4096...2_147_483_647
    /// Range of `channel_max` (AMQP 0-9-1 carries it as a 16-bit value; 0 means no limit).
    static let channelMaxRange = 0...65535

    /// The URL, UTF-8, with surrounding whitespace removed.
    private let bytes: [UInt8]
    /// The bytes that are, or may be, the password. Never shown.
    private let secret: Range<Int>?
    /// The URL as error messages show it.
    private let redactedInput: String

    /// Prepares to parse `url`.
    init(_ url: String) {
        let bytes = Self.trimmingWhitespace(Array(url.utf8))
        let secret = Self.secretRange(in: bytes)
        self.bytes = bytes
        self.secret = secret
        self.redactedInput = Self.render(bytes, hiding: secret)
    }

    /// `url` with everything that is or may be the password replaced by `***`. Works on malformed
    /// URLs too; on those it may hide more than the password.
    static func redact(_ url: String) -> String {
        AMQPURLParser(url).redactedInput
    }

    // MARK: - Parsing

    /// Parses the URL.
    func parse() throws(AMQPError) -> AMQPConnection.Configuration {
        var configuration = AMQPConnection.Configuration()
        let b = bytes
        guard !b.isEmpty else {
            throw failure("the URL is empty; expected amqp://user:password@host:port/vhost")
        }
        if let control = b.firstIndex(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw failure(
                "it contains a control character at position \(control + 1); remove it or percent-encode it")
        }

        // Scheme.
        guard let schemeEnd = b.firstIndex(of: ASCII.colon), schemeEnd > 0,
            Self.isSchemeFirst(b[0]), b[0..<schemeEnd].allSatisfy(Self.isSchemeCharacter)
        else {
            throw failure("it has no scheme; start it with amqp:// or amqps://")
        }
        let scheme = String(decoding: b[0..<schemeEnd], as: UTF8.self).lowercased()
        switch scheme {
        case "amqp": configuration.tls = false
        case "amqps": configuration.tls = true
        default:
            throw failure("scheme \(quoted(0..<schemeEnd)) is not amqp or amqps")
        }
        configuration.port = configuration.tls
            ? AMQPConnection.Configuration.defaultTLSPort : AMQPConnection.Configuration.defaultPort
        guard b.count >= schemeEnd + 3, b[schemeEnd + 1] == ASCII.slash, b[schemeEnd + 2] == ASCII.slash else {
            throw failure("expected '//' after '\(scheme):'; write \(scheme)://host")
        }

        // Authority: userinfo, host, port.
        let authorityStart = schemeEnd + 3
        let authorityEnd =
            b[authorityStart...].firstIndex { $0 == ASCII.slash || $0 == ASCII.question || $0 == ASCII.hash }
            ?? b.count
        var hostStart = authorityStart
        if let at = b[authorityStart..<authorityEnd].lastIndex(of: ASCII.at) {
            hostStart = at + 1
            if let colon = b[authorityStart..<at].firstIndex(of: ASCII.colon) {
                configuration.user = try decode(authorityStart..<colon, part: "user name")
                configuration.password = try decode(colon + 1..<at, part: "password", isSecret: true)
            } else {
                configuration.user = try decode(authorityStart..<at, part: "user name")
            }
        }
        try parseHostAndPort(hostStart..<authorityEnd, into: &configuration)

        // Path: the vhost.
        var position = authorityEnd
        if position < b.count, b[position] == ASCII.slash {
            let pathStart = position + 1
            let pathEnd = b[pathStart...].firstIndex { $0 == ASCII.question || $0 == ASCII.hash } ?? b.count
            if b[pathStart..<pathEnd].contains(ASCII.slash) {
                throw failure(
                    "vhost path \(quoted(pathStart..<pathEnd)) has more than one segment; a vhost is one "
                        + "segment, so write a '/' inside the vhost name as %2F (the vhost '/' is %2F)")
            }
            if pathStart < pathEnd {
                configuration.virtualHost = try decode(pathStart..<pathEnd, part: "vhost")
            }
            position = pathEnd
        }

        // Query.
        if position < b.count, b[position] == ASCII.question {
            let queryStart = position + 1
            let queryEnd = b[queryStart...].firstIndex(of: ASCII.hash) ?? b.count
            try parseQuery(queryStart..<queryEnd, into: &configuration)
            position = queryEnd
        }

        // Fragment.
        if position < b.count {
            throw failure(
                "fragment \(quoted(position..<b.count)) is not allowed in an AMQP URL; remove it, or "
                    + "percent-encode '#' as %23 if it belongs to the password or vhost")
        }
        return configuration
    }

    /// Parses `host`, `host:port`, `[ipv6]` or `[ipv6]:port`.
    private func parseHostAndPort(
        _ range: Range<Int>, into configuration: inout AMQPConnection.Configuration
    ) throws(AMQPError) {
        let b = bytes
        var portColon: Int?
        if range.lowerBound < range.upperBound, b[range.lowerBound] == ASCII.openBracket {
            guard let close = b[range].firstIndex(of: ASCII.closeBracket) else {
                throw failure(
                    "IPv6 address \(quoted(range)) has no closing ']'; write it as [address], e.g. amqp://[::1]:5672")
            }
            let inside = range.lowerBound + 1..<close
            let address = try decode(inside, part: "IPv6 address")
            guard Self.isIPv6Literal(address) else {
                throw failure(
                    "IPv6 address \(quoted(range.lowerBound..<close + 1)) is not a valid IPv6 address; "
                        + "only IPv6 addresses go in brackets, e.g. amqp://[::1]:5672")
            }
            configuration.host = address
            if close + 1 < range.upperBound {
                guard b[close + 1] == ASCII.colon else {
                    throw failure(
                        "unexpected \(quoted(close + 1..<range.upperBound)) after IPv6 address "
                            + "\(quoted(range.lowerBound..<close + 1)); expected ':port' or the end of the host")
                }
                portColon = close + 1
            }
        } else {
            let colons = b[range].indices.filter { b[$0] == ASCII.colon }
            if colons.count > 1 {
                throw failure(
                    "host \(quoted(range)) contains more than one ':'; write an IPv6 address in brackets, "
                        + "e.g. amqp://[::1]:5672")
            }
            portColon = colons.first
            let hostRange = range.lowerBound..<(portColon ?? range.upperBound)
            guard !hostRange.isEmpty else {
                throw failure(
                    "the host is empty; give a host name or address, e.g. amqp://guest:guest@localhost:5672/%2F")
            }
            let host = try decode(hostRange, part: "host")
            if let bad = host.unicodeScalars.first(where: { !Self.isHostCharacter($0) }) {
                throw failure(
                    "host \(quoted(hostRange)) contains '\(bad)', which is not allowed in a host name; "
                        + "use letters, digits, '-', '.' and '_' (IDN names in punycode)")
            }
            configuration.host = host
        }

        if let portColon {
            let portRange = portColon + 1..<range.upperBound
            guard !portRange.isEmpty else {
                throw failure("the port after ':' is empty; remove the ':' or give a port number")
            }
            guard let port = Self.integer(b[portRange], in: 1...65535) else {
                var detail = "port \(quoted(portRange)) is not a number between 1 and 65535"
                if !b[portRange].allSatisfy(Self.isDigit) {
                    detail += "; if it is a password, the URL is missing '@host' after it"
                }
                throw failure(detail)
            }
            configuration.port = port
        }
    }

    /// Parses `key=value&key=value`.
    private func parseQuery(
        _ range: Range<Int>, into configuration: inout AMQPConnection.Configuration
    ) throws(AMQPError) {
        let b = bytes
        var seen: Set<String> = []
        var start = range.lowerBound
        while start <= range.upperBound {
            let end = b[start..<range.upperBound].firstIndex(of: ASCII.ampersand) ?? range.upperBound
            defer { start = end + 1 }
            if start == end { continue }  // tolerate "?&a=1" and a trailing "&"

            let equals = b[start..<end].firstIndex(of: ASCII.equals)
            let keyRange = start..<(equals ?? end)
            let key = try decode(keyRange, part: "query parameter name")
            guard let equals else {
                throw failure("query parameter \(quoted(keyRange)) has no value; write \(key)=<value>")
            }
            let valueRange = equals + 1..<end

            guard Self.supportedQueryParameters.contains(key) else {
                let supported = Self.supportedQueryParameters.joined(separator: ", ")
                if let reason = Self.unsupportedSpecifiedQueryParameters[key] {
                    throw failure(
                        "query parameter \(quoted(keyRange)) is not supported by this client: \(reason); "
                            + "supported are \(supported)")
                }
                throw failure("unknown query parameter \(quoted(keyRange)); supported are \(supported)")
            }
            guard seen.insert(key).inserted else {
                throw failure("query parameter \(quoted(keyRange)) is given more than once; keep one")
            }
            if Self.tlsQueryParameters.contains(key), !configuration.tls {
                throw failure(
                    "query parameter \(quoted(keyRange)) applies to TLS connections only; use an amqps:// URL "
                        + "(and the broker's TLS port, 5671 by default) or remove the parameter")
            }
            let value = try decode(valueRange, part: "value of query parameter '\(key)'")

            switch key {
            case "heartbeat":
                guard let seconds = Self.integer(value.utf8, in: Self.heartbeatRange) else {
                    throw badValue(key, valueRange, "a whole number of seconds between 0 and 65535 (0 disables heartbeats)")
                }
                configuration.heartbeat = .seconds(seconds)
            case "connection_timeout":
                guard let milliseconds = Self.integer(value.utf8, in: Self.connectionTimeoutRange) else {
                    throw badValue(key, valueRange, "a whole number of milliseconds between 1 and 2147483647")
                }
                configuration.connectTimeout = .milliseconds(milliseconds)
            case "frame_max":
                guard let frameMax = Self.integer(value.utf8, in: Self.frameMaxRange) else {
                    throw badValue(key, valueRange, "a whole number of bytes between 4096 and 2147483647")
                }
                configuration.frameMax = frameMax
            case "channel_max":
                guard let channelMax = Self.integer(value.utf8, in: Self.channelMaxRange) else {
                    throw badValue(key, valueRange, "a whole number between 0 and 65535 (0 means no limit)")
                }
                configuration.channelMax = channelMax
            case "name":
                guard !value.isEmpty else {
                    throw failure("query parameter 'name' is empty; give a connection name or remove the parameter")
                }
                configuration.connectionName = value
            case "cacertfile", "certfile", "keyfile":
                guard !value.isEmpty else {
                    throw failure("query parameter '\(key)' is empty; give the path of a PEM file or remove the parameter")
                }
                switch key {
                case "cacertfile": configuration.tlsOptions.caCertificatePath = value
                case "certfile": configuration.tlsOptions.certificatePath = value
                default: configuration.tlsOptions.keyPath = value
                }
            case "verify":
                switch value {
                case "verify_peer":
                    configuration.tlsOptions.verifyPeer = true
                case "verify_none":
                    configuration.tlsOptions.verifyPeer = false
                    configuration.tlsOptions.verifyHostname = false
                default:
                    throw badValue(
                        key, valueRange,
                        "verify_peer (check the broker's certificate, the default) or verify_none (do not)")
                }
            default:  // "server_name_indication"
                guard value == "disable" else {
                    throw failure(
                        "query parameter 'server_name_indication' has value \(quoted(valueRange)), but only "
                            + "'disable' (no host name verification) is supported: rabbitmq-c 0.11 always sends "
                            + "the URL's host as the server name and checks the certificate against it, so "
                            + "put the name the certificate holds in the URL's host instead")
                }
                configuration.tlsOptions.verifyHostname = false
            }
        }
        let tlsOptions = configuration.tlsOptions
        if (tlsOptions.certificatePath == nil) != (tlsOptions.keyPath == nil) {
            let (given, missing) = tlsOptions.certificatePath == nil ? ("keyfile", "certfile") : ("certfile", "keyfile")
            throw failure(
                "query parameter '\(given)' needs '\(missing)' too: a client certificate and its private key "
                    + "go together")
        }
    }

    // MARK: - Errors

    /// An `.invalidArgument` error about this URL.
    private func failure(_ detail: String) -> AMQPError {
        AMQPError(.invalidArgument, "invalid AMQP URL '\(redactedInput)': \(detail)")
    }

    /// An error for a query value out of range.
    private func badValue(_ key: String, _ valueRange: Range<Int>, _ expected: String) -> AMQPError {
        failure("query parameter '\(key)' has value \(quoted(valueRange)), which is not \(expected)")
    }

    /// The text of `range` in single quotes, or `'***'` if it may be part of the password.
    private func quoted(_ range: Range<Int>) -> String {
        if let secret, range.overlaps(secret) || (range.isEmpty && secret.contains(range.lowerBound)) {
            return "'***'"
        }
        return "'" + String(decoding: bytes[range], as: UTF8.self) + "'"
    }

    // MARK: - Percent-decoding

    /// Percent-decodes `range`, which must give UTF-8 without NUL.
    private func decode(_ range: Range<Int>, part: String, isSecret: Bool = false) throws(AMQPError) -> String {
        let b = bytes
        var output: [UInt8] = []
        output.reserveCapacity(range.count)
        var i = range.lowerBound
        while i < range.upperBound {
            guard b[i] == ASCII.percent else {
                output.append(b[i])
                i += 1
                continue
            }
            guard i + 2 < range.upperBound,
                let high = Self.hexValue(b[i + 1]), let low = Self.hexValue(b[i + 2])
            else {
                let escapeEnd = min(i + 3, range.upperBound)
                if isSecret {
                    throw failure(
                        "the password has invalid percent-encoding; each '%' must be followed by two hex "
                            + "digits, so write a literal '%' as %25")
                }
                throw failure(
                    "the \(part) has invalid percent-encoding \(quoted(i..<escapeEnd)); each '%' must be "
                        + "followed by two hex digits, so write a literal '%' as %25")
            }
            output.append(high << 4 | low)
            i += 3
        }
        guard let text = String(validating: output, as: UTF8.self) else {
            throw failure(
                isSecret
                    ? "the password does not decode to UTF-8 text; percent-encode its UTF-8 bytes"
                    : "the \(part) \(quoted(range)) does not decode to UTF-8 text; percent-encode its UTF-8 bytes")
        }
        if output.contains(0) {
            throw failure(
                isSecret
                    ? "the password contains a NUL character (%00), which cannot be sent"
                    : "the \(part) \(quoted(range)) contains a NUL character (%00), which cannot be sent")
        }
        return text
    }

    // MARK: - Redaction

    /// The bytes that are, or may be, the password.
    ///
    /// With an `@` after the scheme: from the first `:` of the userinfo to the last `@` of the whole
    /// URL (so a password with an unencoded `/`, `?`, `#` or `@` is still covered). Without an `@`: a
    /// non-numeric "port" after a non-empty "host" may be a password whose `@host` is missing, so it
    /// and the rest are hidden.
    private static func secretRange(in b: [UInt8]) -> Range<Int>? {
        var start = 0
        if let separator = firstIndex(of: Array("://".utf8), in: b) { start = separator + 3 }
        guard start <= b.count else { return nil }
        if let lastAt = b[start...].lastIndex(of: ASCII.at) {
            guard let colon = b[start..<lastAt].firstIndex(of: ASCII.colon) else { return nil }
            return colon + 1..<lastAt
        }
        let authorityEnd =
            b[start...].firstIndex { $0 == ASCII.slash || $0 == ASCII.question || $0 == ASCII.hash } ?? b.count
        var hostEnd = start
        if hostEnd < authorityEnd, b[hostEnd] == ASCII.openBracket {
            hostEnd = b[hostEnd..<authorityEnd].firstIndex(of: ASCII.closeBracket) ?? authorityEnd
        }
        guard let colon = b[hostEnd..<authorityEnd].firstIndex(of: ASCII.colon) else { return nil }
        // A numeric port is a port; with nothing before the ':' there is no user name, so no password.
        if b[colon + 1..<authorityEnd].allSatisfy(isDigit) || colon == start { return nil }
        return colon + 1..<b.count
    }

    /// `b` as text with `hidden` replaced by `***`.
    private static func render(_ b: [UInt8], hiding hidden: Range<Int>?) -> String {
        guard let hidden else { return String(decoding: b, as: UTF8.self) }
        return String(decoding: b[..<hidden.lowerBound], as: UTF8.self) + "***"
            + String(decoding: b[hidden.upperBound...], as: UTF8.self)
    }

    // MARK: - Rendering (used by Configuration.redactedURL)

    /// Percent-encodes everything except RFC 3986 unreserved characters.
    static func percentEncode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            if isUnreserved(byte) {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                output += "%" + hexDigits[Int(byte >> 4)] + hexDigits[Int(byte & 0x0F)]
            }
        }
        return output
    }

    /// Percent-encodes a file path for a query value: like ``percentEncode(_:)`` but keeps `/`, which
    /// a query may hold as it is, so that paths stay readable.
    static func percentEncodePath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { percentEncode(String($0)) }
            .joined(separator: "/")
    }

    /// The host as it appears in a URL: IPv6 addresses in brackets, a zone's '%' as %25.
    static func renderHost(_ host: String) -> String {
        if host.contains(":") {
            return "[" + host.replacingAll("%", with: "%25") + "]"
        }
        return percentEncode(host)
    }

    // MARK: - Character classes and small helpers

    private static let hexDigits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F"]

    private enum ASCII {
        static let colon = UInt8(ascii: ":")
        static let slash = UInt8(ascii: "/")
        static let question = UInt8(ascii: "?")
        static let hash = UInt8(ascii: "#")
        static let at = UInt8(ascii: "@")
        static let openBracket = UInt8(ascii: "[")
        static let closeBracket = UInt8(ascii: "]")
        static let ampersand = UInt8(ascii: "&")
        static let equals = UInt8(ascii: "=")
        static let percent = UInt8(ascii: "%")
    }

    /// Parses a non-empty string of ASCII digits whose value lies in `range`.
    static func integer(_ digits: some Collection<UInt8>, in range: ClosedRange<Int>) -> Int? {
        guard !digits.isEmpty else { return nil }
        var value = 0
        for digit in digits {
            guard isDigit(digit) else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
            if value > range.upperBound { return nil }
        }
        return range.contains(value) ? value : nil
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func isAlpha(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        isAlpha(byte) || isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
    }

    private static func isSchemeFirst(_ byte: UInt8) -> Bool { isAlpha(byte) }

    private static func isSchemeCharacter(_ byte: UInt8) -> Bool {
        isAlpha(byte) || isDigit(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: ".")
    }

    private static func isHostCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && isUnreserved(UInt8(scalar.value))
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Whether `text` looks like an IPv6 address, optionally with a zone (`fe80::1%eth0`): hex digits,
    /// ':' and '.' (for an embedded IPv4 address), at least one ':'. The resolver checks the rest.
    private static func isIPv6Literal(_ text: String) -> Bool {
        let address = text.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = address.first, first.contains(":") else { return false }
        if address.count == 2, address[1].isEmpty { return false }
        return first.utf8.allSatisfy { hexValue($0) != nil || $0 == ASCII.colon || $0 == UInt8(ascii: ".") }
    }

    private static func trimmingWhitespace(_ b: [UInt8]) -> [UInt8] {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
        guard let first = b.firstIndex(where: { !isSpace($0) }), let last = b.lastIndex(where: { !isSpace($0) })
        else { return [] }
        return Array(b[first...last])
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
    }
}

extension String {
    /// `self` with every occurrence of `target` replaced (without Foundation).
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var output = ""
        for character in self {
            if character == target { output += replacement } else { output.append(character) }
        }
        return output
    }
}
