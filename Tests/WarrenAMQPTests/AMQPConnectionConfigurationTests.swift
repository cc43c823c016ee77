import Testing

@testable import WarrenAMQP

private typealias Configuration = AMQPConnection.Configuration

/// Parses `url`, expecting failure, and returns the error (or nil if it parsed, which `#expect` reports).
private func parseError(_ url: String, sourceLocation: SourceLocation = #_sourceLocation) -> AMQPError? {
    do {
        let configuration = try Configuration(url: url)
        Issue.record("expected '\(url)' to fail, got \(configuration)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

@Suite("AMQPConnection.Configuration")
struct AMQPConnectionConfigurationTests {

    // MARK: Defaults

    @Test("init() gives every documented default")
    func defaults() {
        let configuration = Configuration()
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 5672)
        #expect(configuration.virtualHost == "/")
        #expect(configuration.user == "guest")
        #expect(configuration.password == "guest")
        #expect(configuration.tls == false)
        #expect(configuration.tlsOptions == Configuration.TLSOptions())
        #expect(configuration.tlsOptions.caCertificatePath == nil)
        #expect(configuration.tlsOptions.certificatePath == nil)
        #expect(configuration.tlsOptions.keyPath == nil)
        #expect(configuration.tlsOptions.verifyPeer)
        #expect(configuration.tlsOptions.verifyHostname)
        #expect(configuration.connectionName == nil)
        #expect(configuration.heartbeat == .seconds(30))
        #expect(configuration.frameMax == 131_072)
        #expect(configuration.channelMax == 2047)
        #expect(configuration.connectTimeout == .seconds(10))
        #expect(configuration.callTimeout == .seconds(30))
        #expect(configuration.clientProperties.isEmpty)
    }

    @Test("the default URL parses to init()")
    func defaultURLEqualsInit() throws {
        #expect(try Configuration(url: "amqp://guest:guest@127.0.0.1:5672/%2F") == Configuration())
    }

    // MARK: Well-formed URLs

    @Test("a full URL sets every part")
    func fullURL() throws {
        let configuration = try Configuration(url: "amqp://alice:s3cret@rabbit.example.com:5673/orders")
        #expect(configuration.user == "alice")
        #expect(configuration.password == "s3cret")
        #expect(configuration.host == "rabbit.example.com")
        #expect(configuration.port == 5673)
        #expect(configuration.virtualHost == "orders")
        #expect(configuration.tls == false)
        // What the URL does not set keeps its default.
        #expect(configuration.heartbeat == .seconds(30))
        #expect(configuration.callTimeout == .seconds(30))
    }

    @Test("host alone: default port, guest/guest, vhost /")
    func hostOnly() throws {
        let configuration = try Configuration(url: "amqp://rabbit")
        #expect(configuration.host == "rabbit")
        #expect(configuration.port == 5672)
        #expect(configuration.user == "guest")
        #expect(configuration.password == "guest")
        #expect(configuration.virtualHost == "/")
    }

    @Test(
        "absent path, lone '/', and %2F all mean vhost '/'",
        arguments: ["amqp://h", "amqp://h/", "amqp://h/%2F", "amqp://h/%2f", "amqp://h?heartbeat=5", "amqp://h/?heartbeat=5"])
    func rootVirtualHost(url: String) throws {
        #expect(try Configuration(url: url).virtualHost == "/")
    }

    @Test("named and percent-encoded vhosts")
    func namedVirtualHosts() throws {
        #expect(try Configuration(url: "amqp://h/production").virtualHost == "production")
        #expect(try Configuration(url: "amqp://h/a%2Fb").virtualHost == "a/b")
        #expect(try Configuration(url: "amqp://h/%2Fstaging").virtualHost == "/staging")
        #expect(try Configuration(url: "amqp://h/my%20vhost").virtualHost == "my vhost")
        #expect(try Configuration(url: "amqp://h/caf%C3%A9").virtualHost == "café")
        #expect(try Configuration(url: "amqp://h/a+b").virtualHost == "a+b")  // '+' is literal
    }

    @Test("percent-encoded user and password with '@', ':', '/' and '%'")
    func percentEncodedCredentials() throws {
        let configuration = try Configuration(url: "amqp://us%40er%3Aname:p%40ss%3Aw%2Fo%25rd@host/")
        #expect(configuration.user == "us@er:name")
        #expect(configuration.password == "p@ss:w/o%rd")
        #expect(configuration.host == "host")
    }

    @Test("an unencoded '@' or ':' in the password still parses (last '@' ends the userinfo)")
    func unencodedAtInPassword() throws {
        let configuration = try Configuration(url: "amqp://user:p@ss:word@host:5000/")
        #expect(configuration.user == "user")
        #expect(configuration.password == "p@ss:word")
        #expect(configuration.host == "host")
        #expect(configuration.port == 5000)
    }

    @Test("user without password, and explicitly empty credentials")
    func partialCredentials() throws {
        let userOnly = try Configuration(url: "amqp://alice@host")
        #expect(userOnly.user == "alice")
        #expect(userOnly.password == "guest")

        let empty = try Configuration(url: "amqp://:@host")
        #expect(empty.user == "")
        #expect(empty.password == "")
    }

    @Test("IPv6 hosts in brackets, with and without port, with a zone")
    func ipv6() throws {
        let loopback = try Configuration(url: "amqp://guest:guest@[::1]:5673/%2F")
        #expect(loopback.host == "::1")
        #expect(loopback.port == 5673)
        #expect(loopback.virtualHost == "/")

        let noPort = try Configuration(url: "amqp://[2001:db8::42]")
        #expect(noPort.host == "2001:db8::42")
        #expect(noPort.port == 5672)

        let mapped = try Configuration(url: "amqp://[::ffff:192.0.2.1]:1/")
        #expect(mapped.host == "::ffff:192.0.2.1")
        #expect(mapped.port == 1)

        let zoned = try Configuration(url: "amqp://[fe80::1%25eth0]:5672")
        #expect(zoned.host == "fe80::1%eth0")
    }

    @Test("amqps sets tls and defaults to port 5671; an explicit port wins")
    func amqps() throws {
        let tls = try Configuration(url: "amqps://user:pw@secure.example.com/")
        #expect(tls.tls)
        #expect(tls.port == 5671)

        let explicit = try Configuration(url: "amqps://secure.example.com:6000")
        #expect(explicit.tls)
        #expect(explicit.port == 6000)

        let plain = try Configuration(url: "amqp://plain.example.com")
        #expect(plain.tls == false)
        #expect(plain.port == 5672)
    }

    @Test("the scheme is case-insensitive and surrounding whitespace is ignored")
    func schemeCaseAndWhitespace() throws {
        #expect(try Configuration(url: "AMQPS://h").tls)
        #expect(try Configuration(url: "  amqp://h:1234/v \n").port == 1234)
        #expect(try Configuration(url: "\tamqp://h/v\n").virtualHost == "v")
    }

    @Test("all supported query parameters")
    func queryParameters() throws {
        let configuration = try Configuration(
            url: "amqp://h/?heartbeat=15&connection_timeout=2500&frame_max=8192&channel_max=100&name=billing%20worker")
        #expect(configuration.heartbeat == .seconds(15))
        #expect(configuration.connectTimeout == .milliseconds(2500))
        #expect(configuration.frameMax == 8192)
        #expect(configuration.channelMax == 100)
        #expect(configuration.connectionName == "billing worker")
    }

    // MARK: TLS parameters

    @Test("amqps with cacertfile, certfile and keyfile sets the paths; verification stays on")
    func tlsFiles() throws {
        let configuration = try Configuration(
            url: "amqps://app:pw@rabbit.internal/?cacertfile=/etc/warren/ca.pem&certfile=/etc/warren/client.pem&keyfile=/etc/warren/client-key.pem")
        #expect(configuration.tls)
        #expect(configuration.port == 5671)
        #expect(
            configuration.tlsOptions
                == Configuration.TLSOptions(
                    caCertificatePath: "/etc/warren/ca.pem", certificatePath: "/etc/warren/client.pem",
                    keyPath: "/etc/warren/client-key.pem", verifyPeer: true, verifyHostname: true))
    }

    @Test("TLS paths are percent-decoded and may hold '/' unencoded")
    func tlsPathDecoding() throws {
        let configuration = try Configuration(url: "amqps://h/?cacertfile=%2Fsecrets%2Fmy%20ca.pem")
        #expect(configuration.tlsOptions.caCertificatePath == "/secrets/my ca.pem")
        let relative = try Configuration(url: "amqps://h/?cacertfile=certs/ca%2Bold.pem")
        #expect(relative.tlsOptions.caCertificatePath == "certs/ca+old.pem")
    }

    @Test(
        "verify and server_name_indication set the verification flags",
        arguments: [
            ("amqps://h/?cacertfile=/ca.pem", true, true),
            ("amqps://h/?cacertfile=/ca.pem&verify=verify_peer", true, true),
            ("amqps://h/?verify=verify_none", false, false),
            ("amqps://h/?cacertfile=/ca.pem&server_name_indication=disable", true, false),
            ("amqps://h/?server_name_indication=disable&verify=verify_peer", true, false),
            ("amqps://h/?verify=verify_none&server_name_indication=disable", false, false),
        ])
    func tlsVerification(url: String, verifyPeer: Bool, verifyHostname: Bool) throws {
        let options = try Configuration(url: url).tlsOptions
        #expect(options.verifyPeer == verifyPeer)
        #expect(options.verifyHostname == verifyHostname)
    }

    @Test(
        "each TLS parameter on an amqp:// URL is an error naming it",
        arguments: ["cacertfile=/ca.pem", "certfile=/c.pem", "keyfile=/k.pem", "verify=verify_peer", "server_name_indication=disable"])
    func tlsParameterWithoutTLS(parameter: String) throws {
        let error = try #require(parseError("amqp://guest:guest@host/?" + parameter))
        #expect(error.code == .invalidArgument)
        let name = String(parameter.prefix { $0 != "=" })
        #expect(
            error.message.contains("query parameter '\(name)' applies to TLS connections only; use an amqps:// URL"),
            "message was: \(error.message)")
    }

    @Test("a TLS parameter after the scheme was checked: amqps accepts it, AMQP (uppercase) rejects it too")
    func tlsParameterSchemeCase() throws {
        #expect(try Configuration(url: "AMQPS://h/?cacertfile=/ca.pem").tlsOptions.caCertificatePath == "/ca.pem")
        let error = try #require(parseError("AMQP://h/?cacertfile=/ca.pem"))
        #expect(error.message.contains("applies to TLS connections only"))
    }

    @Test("query edge values: heartbeat 0 disables, channel_max 0, bounds, empty segments")
    func queryEdges() throws {
        #expect(try Configuration(url: "amqp://h?heartbeat=0").heartbeat == .zero)
        #expect(try Configuration(url: "amqp://h?heartbeat=65535").heartbeat == .seconds(65535))
        #expect(try Configuration(url: "amqp://h?channel_max=0").channelMax == 0)
        #expect(try Configuration(url: "amqp://h?frame_max=4096").frameMax == 4096)
        #expect(try Configuration(url: "amqp://h?connection_timeout=1").connectTimeout == .milliseconds(1))
        #expect(try Configuration(url: "amqp://h?&heartbeat=7&").heartbeat == .seconds(7))
        #expect(try Configuration(url: "amqp://h/?").heartbeat == .seconds(30))
    }

    @Test("port bounds 1 and 65535 are accepted")
    func portBounds() throws {
        #expect(try Configuration(url: "amqp://h:1").port == 1)
        #expect(try Configuration(url: "amqp://h:65535").port == 65535)
    }

    // MARK: Malformed URLs: each error names the part

    @Test(
        "malformed URLs fail with .invalidArgument naming the wrong part",
        arguments: [
            ("", "the URL is empty"),
            ("   ", "the URL is empty"),
            ("rabbit.example.com", "it has no scheme"),
            ("http://guest:guest@host/", "scheme 'http' is not amqp or amqps"),
            ("amqp:/host", "expected '//' after 'amqp:'"),
            ("amqp://", "the host is empty"),
            ("amqp://guest:guest@/vhost", "the host is empty"),
            ("amqp://guest:guest@:5672/", "the host is empty"),
            ("amqp://host:99999/", "port '99999' is not a number between 1 and 65535"),
            ("amqp://host:0/", "port '0' is not a number between 1 and 65535"),
            ("amqp://guest:guest@host:-1/", "port '-1' is not a number between 1 and 65535"),
            ("amqp://guest:guest@host:+5672/", "port '+5672' is not a number between 1 and 65535"),
            ("amqp://host:123456789012345678901234567890/", "port '123456789012345678901234567890' is not a number"),
            ("amqp://host:/", "the port after ':' is empty"),
            ("amqp://ho st/", "host 'ho st' contains ' '"),
            ("amqp://guest@::1/", "host '::1' contains more than one ':'; write an IPv6 address in brackets"),
            ("amqp://::1/", "host '::1' contains more than one ':'; write an IPv6 address in brackets"),
            ("amqp://[::1/", "has no closing ']'"),
            ("amqp://[::1]x/", "unexpected 'x' after IPv6 address '[::1]'"),
            ("amqp://[example.com]/", "IPv6 address '[example.com]' is not a valid IPv6 address"),
            ("amqp://guest@[::1]:abc/", "port 'abc' is not a number between 1 and 65535"),
            ("amqp://host:abc/", "port '***' is not a number between 1 and 65535; if it is a password, the URL is missing '@host'"),
            ("amqp://[::1]:abc/", "port '***' is not a number between 1 and 65535"),
            ("amqp://us%zzer@host/", "the user name has invalid percent-encoding '%zz'"),
            ("amqp://user@host/v%2", "the vhost has invalid percent-encoding '%2'"),
            ("amqp://user@host/v%ff", "the vhost 'v%ff' does not decode to UTF-8"),
            ("amqp://user@host/v%00", "the vhost 'v%00' contains a NUL character"),
            ("amqp://ho%4/", "the host has invalid percent-encoding '%4'"),
            ("amqp://host/a/b", "vhost path 'a/b' has more than one segment"),
            ("amqp://host//", "vhost path '/' has more than one segment"),
            ("amqp://host/v#frag", "fragment '#frag' is not allowed"),
            ("amqp://host/?bogus=1", "unknown query parameter 'bogus'"),
            ("amqp://host/?Heartbeat=1", "unknown query parameter 'Heartbeat'"),
            ("amqp://host/?cacertfile=/tmp/ca.pem", "query parameter 'cacertfile' applies to TLS connections only"),
            ("amqps://host/?cacertfile=", "query parameter 'cacertfile' is empty; give the path of a PEM file"),
            ("amqps://host/?certfile=&keyfile=/k.pem", "query parameter 'certfile' is empty"),
            ("amqps://host/?cacertfile=/a.pem&cacertfile=/b.pem", "query parameter 'cacertfile' is given more than once"),
            ("amqps://host/?certfile=/c.pem", "query parameter 'certfile' needs 'keyfile' too"),
            ("amqps://host/?keyfile=/k.pem&cacertfile=/ca.pem", "query parameter 'keyfile' needs 'certfile' too"),
            ("amqps://host/?verify=maybe", "query parameter 'verify' has value 'maybe', which is not verify_peer"),
            ("amqps://host/?verify=", "query parameter 'verify' has value '', which is not verify_peer"),
            ("amqps://host/?verify=VERIFY_NONE", "query parameter 'verify' has value 'VERIFY_NONE'"),
            ("amqps://host/?server_name_indication=rabbit.internal", "has value 'rabbit.internal', but only 'disable'"),
            ("amqps://host/?server_name_indication=rabbit.internal", "rabbitmq-c 0.11 always sends the URL's host as the server name"),
            ("amqps://host/?auth_mechanism=external", "query parameter 'auth_mechanism' is not supported by this client: this client authenticates with PLAIN"),
            ("amqps://host/?fail_if_no_peer_cert=true", "query parameter 'fail_if_no_peer_cert' is not supported by this client: it is a server-side setting"),
            ("amqps://host/?depth=3", "query parameter 'depth' is not supported by this client: rabbitmq-c 0.11 does not let the verification depth be set"),
            ("amqp://host/?depth=3", "query parameter 'depth' is not supported by this client"),
            ("amqps://host/?cafile=/ca.pem", "unknown query parameter 'cafile'"),
            ("amqp://host/?heartbeat", "query parameter 'heartbeat' has no value"),
            ("amqp://host/?heartbeat=abc", "query parameter 'heartbeat' has value 'abc', which is not a whole number of seconds"),
            ("amqp://host/?heartbeat=", "query parameter 'heartbeat' has value '', which is not"),
            ("amqp://host/?heartbeat=65536", "query parameter 'heartbeat' has value '65536'"),
            ("amqp://host/?heartbeat=1.5", "query parameter 'heartbeat' has value '1.5'"),
            ("amqp://host/?connection_timeout=0", "query parameter 'connection_timeout' has value '0'"),
            ("amqp://host/?frame_max=1024", "query parameter 'frame_max' has value '1024', which is not a whole number of bytes between 4096"),
            ("amqp://host/?channel_max=70000", "query parameter 'channel_max' has value '70000'"),
            ("amqp://host/?name=", "query parameter 'name' is empty"),
            ("amqp://host/?heartbeat=1&heartbeat=2", "query parameter 'heartbeat' is given more than once"),
            ("amqp://host/\u{7}", "control character at position 13"),
        ])
    func malformed(url: String, expectedFragment: String) throws {
        let error = try #require(parseError(url))
        #expect(error.code == .invalidArgument)
        #expect(error.message.hasPrefix("invalid AMQP URL '"))
        #expect(error.message.contains(expectedFragment), "message was: \(error.message)")
    }

    @Test("the error message has the documented shape, with the password redacted")
    func exactMessage() throws {
        let error = try #require(parseError("amqp://guest:hunter2@host:99999/"))
        #expect(error.message == "invalid AMQP URL 'amqp://guest:***@host:99999/': port '99999' is not a number between 1 and 65535")
        #expect(error.description.hasPrefix("AMQPError.invalidArgument: invalid AMQP URL"))
    }

    @Test("errors say what to do")
    func errorsCarryAdvice() throws {
        let segments = try #require(parseError("amqp://host/a/b"))
        #expect(segments.message.contains("%2F"))
        let unknown = try #require(parseError("amqp://host/?heartbeet=1"))
        #expect(unknown.message.contains("supported are heartbeat, connection_timeout, frame_max, channel_max, name"))
        let ipv6 = try #require(parseError("amqp://fe80::1:5672"))
        #expect(ipv6.message.contains("amqp://[::1]:5672"))
    }

    // MARK: The password never leaks

    @Test(
        "the password never appears in an error message or description",
        arguments: [
            "http://user:Pa55w0rdX@host/",                  // bad scheme
            "amqp://user:Pa55w0rdX@host:99999/",            // bad port
            "amqp://user:Pa55w0rdX@/",                      // empty host
            "amqp://user:Pa55w0rdX@host/a/b",               // vhost segments
            "amqp://user:Pa55w0rdX@host/?bogus=1",          // bad query
            "amqp://user:Pa55w0rdX%zz@host/",               // bad escape inside the password
            "amqp://user:Pa55w0rdX%ff@host/",               // password not UTF-8
            "amqp://user:Pa55w0rdX%00@host/",               // NUL in the password
            "amqp://user:Pa55/w0rdX@host/",                 // unencoded '/' in the password
            "amqp://user:Pa55?w0rdX@host/",                 // unencoded '?' in the password
            "amqp://user:Pa55#w0rdX@host/",                 // unencoded '#' in the password
            "amqp://user:Pa55w0rdX",                        // '@host' forgotten: looks like a port
            "amqp://user:Pa55/w0rdX",                       // '@host' forgotten and '/' in it
            "amqp:/user:Pa55w0rdX@host/",                   // missing '//'
            "user:Pa55w0rdX@host/",                         // missing scheme
            "amqp://user:Pa55w0rdX@[::1/",                  // bad IPv6
            "amqp://user:Pa55w0rdX@host/\u{1}",             // control character
            "amqp://user:Pa55w0rdX@host/?cacertfile=/ca.pem", // TLS parameter without TLS
            "amqps://user:Pa55w0rdX@host/?verify=maybe",      // bad TLS value
            "amqps://user:Pa55w0rdX@host/?certfile=/c.pem",   // certificate without key
            "amqps://user:Pa55w0rdX@host/?server_name_indication=x", // unsupported SNI
        ])
    func passwordNeverInErrors(url: String) throws {
        let error = try #require(parseError(url))
        for fragment in ["Pa55", "w0rdX"] {
            #expect(!error.message.contains(fragment), "message was: \(error.message)")
            #expect(!error.description.contains(fragment), "description was: \(error.description)")
            #expect(!String(describing: error).contains(fragment))
            #expect(!String(reflecting: error).contains(fragment))
        }
        #expect(error.message.contains("***"))
    }

    @Test("description, interpolation, debugDescription and dump hide the password")
    func descriptionsHidePassword() throws {
        var configuration = try Configuration(url: "amqp://alice:TopS3cretValue@host/orders")
        configuration.clientProperties = ["team": "billing"]
        configuration.callTimeout = .seconds(5)
        let renderings = [
            configuration.description,
            "\(configuration)",
            String(reflecting: configuration),
            { var text = ""; dump(configuration, to: &text); return text }(),
        ]
        for text in renderings {
            #expect(!text.contains("TopS3cretValue"), "rendered as: \(text)")
            #expect(text.contains("***"), "rendered as: \(text)")
        }
        #expect(
            configuration.description
                == "AMQPConnection.Configuration(amqp://alice:***@host:5672/orders, callTimeout: 5s, clientProperties: [team])")
        #expect(Configuration().description == "AMQPConnection.Configuration(amqp://guest:***@127.0.0.1:5672/%2F)")
        var dumped = ""
        dump(try Configuration(url: "amqps://u:p@h/?cacertfile=/ca.pem"), to: &dumped)
        #expect(dumped.contains("tlsOptions"), "dump: \(dumped)")
        #expect(dumped.contains("/ca.pem"), "dump: \(dumped)")
    }

    // MARK: redactedURL

    @Test("redactedURL of the defaults")
    func redactedDefault() {
        #expect(Configuration().redactedURL == "amqp://guest:***@127.0.0.1:5672/%2F")
    }

    @Test("redactedURL encodes user and vhost, brackets IPv6, lists non-default parameters")
    func redactedFull() throws {
        let configuration = try Configuration(
            url: "amqps://us%40er:p%40ss@[fe80::1%25eth0]/a%2Fb?heartbeat=0&connection_timeout=2500&frame_max=8192&channel_max=10&name=my%20app")
        #expect(
            configuration.redactedURL
                == "amqps://us%40er:***@[fe80::1%25eth0]:5671/a%2Fb?heartbeat=0&connection_timeout=2500&frame_max=8192&channel_max=10&name=my%20app")
        #expect(!configuration.redactedURL.contains("p%40ss"))
        #expect(!configuration.redactedURL.contains("p@ss"))
    }

    @Test("redactedURL round-trips through init(url:) except for the password")
    func redactedRoundTrip() throws {
        let original = try Configuration(
            url: "amqp://bob:pw@[::1]:5673/%2Fv%20h?heartbeat=12&connection_timeout=750&channel_max=9&name=x%26y")
        var reparsed = try Configuration(url: original.redactedURL)
        #expect(reparsed.password == "***")
        reparsed.password = original.password
        #expect(reparsed == original)
    }

    @Test("redactedURL writes the TLS options that differ from the defaults, paths readable")
    func redactedTLS() throws {
        let configuration = try Configuration(
            url: "amqps://u:secret@h/?cacertfile=/etc/ca.pem&certfile=/etc/my%20client.pem&keyfile=/etc/key.pem&server_name_indication=disable")
        #expect(
            configuration.redactedURL
                == "amqps://u:***@h:5671/%2F?cacertfile=/etc/ca.pem&certfile=/etc/my%20client.pem&keyfile=/etc/key.pem&server_name_indication=disable")
        #expect(try Configuration(url: "amqps://h/?verify=verify_none").redactedURL == "amqps://guest:***@h:5671/%2F?verify=verify_none")
        // verify_peer is the default and is not written.
        #expect(try Configuration(url: "amqps://h/?verify=verify_peer").redactedURL == "amqps://guest:***@h:5671/%2F")
    }

    @Test(
        "redactedURL round-trips every TLS setting a URL can express",
        arguments: [
            "amqps://u:pw@h:6000/v?cacertfile=/ca.pem",
            "amqps://u:pw@h/v?cacertfile=/a%20b/ca.pem&certfile=c.pem&keyfile=k%26.pem",
            "amqps://u:pw@h/v?verify=verify_none",
            "amqps://u:pw@h/v?verify=verify_none&cacertfile=/ca.pem",
            "amqps://u:pw@h/v?cacertfile=/ca.pem&server_name_indication=disable&heartbeat=5&name=n",
        ])
    func redactedTLSRoundTrip(url: String) throws {
        let original = try Configuration(url: url)
        var reparsed = try Configuration(url: original.redactedURL)
        reparsed.password = original.password
        #expect(reparsed == original, "redacted: \(original.redactedURL)")
    }

    @Test("redactedURL leaves TLS options out without TLS, and writes peer-off/host-name-on as verify_none")
    func redactedTLSEdges() throws {
        var plain = Configuration()
        plain.tlsOptions.caCertificatePath = "/ca.pem"
        plain.tlsOptions.verifyPeer = false
        #expect(plain.redactedURL == "amqp://guest:***@127.0.0.1:5672/%2F")

        var odd = Configuration()
        odd.tls = true
        odd.tlsOptions.verifyPeer = false
        odd.tlsOptions.verifyHostname = true
        #expect(odd.redactedURL == "amqps://guest:***@127.0.0.1:5672/%2F?verify=verify_none")
        let reparsed = try Configuration(url: odd.redactedURL)
        #expect(!reparsed.tlsOptions.verifyPeer)
        #expect(!reparsed.tlsOptions.verifyHostname)
    }

    @Test("percentEncodePath keeps '/' and encodes the rest of each segment")
    func percentEncodePath() {
        #expect(AMQPURLParser.percentEncodePath("/etc/warren/ca.pem") == "/etc/warren/ca.pem")
        #expect(AMQPURLParser.percentEncodePath("/a b/c&d=e?.pem") == "/a%20b/c%26d%3De%3F.pem")
        #expect(AMQPURLParser.percentEncodePath("rel//x") == "rel//x")
    }

    @Test("redactedURL writes fractional durations as decimals")
    func redactedFractionalDurations() {
        var configuration = Configuration()
        configuration.heartbeat = .milliseconds(1500)
        configuration.connectTimeout = .microseconds(2500)
        #expect(configuration.redactedURL.hasSuffix("?heartbeat=1.5&connection_timeout=2.5"))
    }

    @Test("redacting a raw URL hides the password and what may be the password")
    func redactRawURL() {
        #expect(AMQPURLParser.redact("amqp://u:secret@h/v") == "amqp://u:***@h/v")
        #expect(AMQPURLParser.redact("amqp://u@h/v") == "amqp://u@h/v")
        #expect(AMQPURLParser.redact("amqp://h:5672/v") == "amqp://h:5672/v")
        #expect(AMQPURLParser.redact("amqp://[::1]:5672/v") == "amqp://[::1]:5672/v")
        #expect(AMQPURLParser.redact("amqp://u:se/cr@et@h/v") == "amqp://u:***@h/v")
        #expect(AMQPURLParser.redact("amqp://u:secret") == "amqp://u:***")
        #expect(AMQPURLParser.redact("amqp://::1/") == "amqp://::1/")
        #expect(AMQPURLParser.redact("user:secret@host") == "user:***@host")
    }

    // MARK: Environment

    @Test("fromEnvironment uses AMQP_URL when set")
    func environmentWithURL() throws {
        let configuration = try Configuration.fromEnvironment(["AMQP_URL": "amqps://app:pw@rabbit:6001/jobs?name=env", "OTHER": "x"])
        #expect(configuration.host == "rabbit")
        #expect(configuration.port == 6001)
        #expect(configuration.tls)
        #expect(configuration.user == "app")
        #expect(configuration.password == "pw")
        #expect(configuration.virtualHost == "jobs")
        #expect(configuration.connectionName == "env")
    }

    @Test(
        "fromEnvironment falls back to the local default when AMQP_URL is absent, empty or blank",
        arguments: [[:], ["AMQP_URL": ""], ["AMQP_URL": "  \n"], ["amqp_url": "amqp://elsewhere"]] as [[String: String]])
    func environmentWithoutURL(environment: [String: String]) throws {
        let configuration = try Configuration.fromEnvironment(environment)
        #expect(configuration == Configuration())
        #expect(configuration.redactedURL == "amqp://guest:***@127.0.0.1:5672/%2F")
    }

    @Test("fromEnvironment reports a bad AMQP_URL by name, without the password")
    func environmentWithBadURL() throws {
        do {
            _ = try Configuration.fromEnvironment(["AMQP_URL": "amqp://u:EnvSecret99@host:70000/"])
            Issue.record("expected a bad AMQP_URL to fail")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.hasPrefix("environment variable AMQP_URL: invalid AMQP URL 'amqp://u:***@host:70000/'"))
            #expect(error.message.contains("port '70000'"))
            #expect(!error.description.contains("EnvSecret99"))
        }
    }

    @Test("fromEnvironment with no argument reads the process environment without crashing")
    func environmentDefaultArgument() {
        // The process may or may not have AMQP_URL; either it parses or it is reported as invalidArgument.
        do {
            let configuration = try Configuration.fromEnvironment()
            #expect(!configuration.host.isEmpty)
        } catch {
            #expect(error.code == .invalidArgument)
        }
    }

    // MARK: Value semantics

    @Test("Hashable: equal configurations hash equally, any field difference makes them unequal")
    func hashable() throws {
        let a = try Configuration(url: "amqp://u:p@h/v")
        let b = try Configuration(url: "amqp://u:p@h:5672/v")
        #expect(a == b)
        #expect(Set([a, b]).count == 1)
        var c = a
        c.password = "other"
        #expect(a != c)
        var d = a
        d.clientProperties["k"] = "v"
        #expect(a != d)
        var e = a
        e.tlsOptions.verifyHostname = false
        #expect(a != e)
        var f = a
        f.tlsOptions.caCertificatePath = "/ca.pem"
        #expect(a != f)
    }
}
