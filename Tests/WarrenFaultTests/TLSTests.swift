import Foundation
import Logging
import Synchronization
import Testing
import Warren

/// Fault scenario 7: a broker node with a TLS listener and a CA, server and client certificates the
/// test makes with openssl. A client with the CA connects (peer and host name verified); a client
/// without it, with another CA, or with a host name the certificate does not hold is refused with
/// an error that says which; client certificates work; heartbeats keep an idle TLS connection up; no
/// password shows in an error or a log line.
///
/// One node for the suite (``TLSNode``), started before the first test and stopped after the last,
/// whatever happens.
@Suite("Fault: TLS", .serialized, TLSNode())
struct TLSTests {
    private var fixture: TLSFixture {
        get throws { try #require(TLSFixture.current, "the TLS node was not set up") }
    }

    // MARK: (a) a client with the CA

    @Test("a client with the CA connects to localhost over amqps (peer and host name verified): declare, publish with confirms, consume")
    func connectsWithCA() async throws {
        let fixture = try fixture
        let configuration = try fixture.configuration(host: "localhost")
        #expect(configuration.tls)
        #expect(configuration.tlsOptions.verifyPeer && configuration.tlsOptions.verifyHostname)
        try await withTimeLimit(.seconds(30), "TLS round trip") {
            try await AMQPConnection.withConnection(configuration) { connection in
                let channel = try await connection.openChannel()
                let queue = uniqueName("tls")
                try await channel.queueDeclare(queue, durable: false, exclusive: true)
                try await channel.confirmSelect()
                let messages = (0..<100).map {
                    AMQPOutboundMessage(body: Array("tls-\($0)".utf8), exchange: "", routingKey: queue)
                }
                try await channel.publish(messages)
                try await channel.basicQos(prefetchCount: 50)
                let consumer = try await channel.consume(queue: queue)
                var received: [String] = []
                for try await delivery in consumer {
                    received.append(String(decoding: delivery.body, as: UTF8.self))
                    try delivery.ack()
                    if received.count == messages.count { break }
                }
                #expect(received == (0..<100).map { "tls-\($0)" })
                try await consumer.cancel()
                _ = try await channel.queueDelete(queue)

                // The broker's view: TLS 1.2 or later, and no client certificate.
                let connections = try fixture.brokerConnections()
                print("tls-report broker connections (name, protocol, peer certificate): \(connections)")
                let this = connections.filter { $0.hasPrefix("warren-fault-tls |") }
                #expect(this.count == 1, "\(connections)")
                #expect(this.allSatisfy { $0.contains("tlsv1.2") || $0.contains("tlsv1.3") }, "\(connections)")
            }
        }
    }

    // MARK: (b) no CA, another CA

    @Test("without a CA file: rabbitmq-c 0.14+ verifies against the system CA store, which lacks the test CA (.tlsVerificationFailed); older: .invalidArgument naming 0.14, before any network I/O")
    func withoutCAFile() async throws {
        let fixture = try fixture
        let configuration = try AMQPConnection.Configuration(url: "amqps://guest:guest@localhost:\(fixture.tlsPort)/")
        let error = try await connectError(configuration)
        print("tls-report rabbitmq-c \(RabbitMQC.loadedVersion) (headers \(RabbitMQC.headerVersion)), system CA store: \(RabbitMQC.supportsSystemCAStore)")
        if RabbitMQC.supportsSystemCAStore {
            #expect(error.code == .tlsVerificationFailed)
            #expect(error.isPermanent)
            #expect(error.message.contains("not issued by a CA in the system CA store"), "\(error)")
        } else {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("no CA file is given"), "\(error)")
            #expect(error.message.contains("older than 0.14, which added it"), "\(error)")
        }
        #expect(error.message.contains("cacertfile="), "\(error)")
    }

    @Test(
        "without a CA file, rabbitmq-c 0.14+ trusts the system CA store: with SSL_CERT_FILE naming the test CA it connects (peer and host name verified)",
        .enabled(if: RabbitMQC.supportsSystemCAStore, "rabbitmq-c older than 0.14 has no system CA store")
    )
    func systemCAStore() async throws {
        let fixture = try fixture
        let configuration = try AMQPConnection.Configuration(
            url: "amqps://guest:guest@localhost:\(fixture.tlsPort)/?connection_timeout=5000&name=warren-fault-tls-system-store")
        #expect(configuration.tlsOptions.caCertificatePath == nil && configuration.tlsOptions.verifyPeer)
        // OpenSSL's default verify paths honour SSL_CERT_FILE; only connections without a CA file read it.
        setenv("SSL_CERT_FILE", fixture.file("ca.pem"), 1)
        defer { unsetenv("SSL_CERT_FILE") }
        try await withTimeLimit(.seconds(15), "system CA store connection") {
            try await AMQPConnection.withConnection(configuration) { connection in
                _ = try await connection.openChannel()
            }
        }
    }

    @Test("TLS options with TLS off: .invalidArgument instead of a silent clear-text connection")
    func tlsOptionsWithoutTLS() async throws {
        let fixture = try fixture
        var configuration = try nodeConfiguration(port: fixture.plainPort)
        configuration.tlsOptions.caCertificatePath = fixture.file("ca.pem")
        let error = try await connectError(configuration)
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains("TLS options are set but TLS is off for 127.0.0.1:\(fixture.plainPort)"), "\(error)")
    }

    @Test("with a CA that did not issue the broker's certificate: .tlsVerificationFailed naming peer verification, permanent")
    func withOtherCA() async throws {
        let fixture = try fixture
        let configuration = try fixture.configuration(host: "localhost", ca: fixture.file("other-ca.pem"))
        let error = try await connectError(configuration)
        #expect(error.code == .tlsVerificationFailed)
        #expect(error.isPermanent)
        #expect(error.message.contains("TLS peer verification failed for localhost:\(fixture.tlsPort)"), "\(error)")
        #expect(error.message.contains("other-ca.pem"), "\(error)")
        #expect(error.message.contains("cacertfile"), "\(error)")
    }

    @Test("with verify_none, another CA still connects (encrypted, broker not authenticated)")
    func verifyNone() async throws {
        let fixture = try fixture
        let url = "amqps://guest:guest@127.0.0.1:\(fixture.tlsPort)/?verify=verify_none&connection_timeout=5000"
        let configuration = try AMQPConnection.Configuration(url: url)
        #expect(!configuration.tlsOptions.verifyPeer && !configuration.tlsOptions.verifyHostname)
        try await withTimeLimit(.seconds(15), "verify_none connection") {
            try await AMQPConnection.withConnection(configuration) { connection in
                _ = try await connection.openChannel()
            }
        }
    }

    @Test("amqps to the plain AMQP port: .connectionFailed naming the TLS handshake and the port")
    func tlsToPlainPort() async throws {
        let fixture = try fixture
        var configuration = try fixture.configuration(host: "localhost")
        configuration.port = fixture.plainPort
        let error = try await connectError(configuration)
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("TLS handshake with localhost:\(fixture.plainPort) failed"), "\(error)")
        #expect(error.message.contains("port \(fixture.plainPort) is the broker's TLS listener"), "\(error)")
    }

    @Test("plain amqp to the TLS port: .connectionFailed within the connect timeout")
    func plainToTLSPort() async throws {
        let fixture = try fixture
        var configuration = try nodeConfiguration(port: fixture.tlsPort)
        configuration.connectTimeout = .seconds(3)
        let started = ContinuousClock.now
        let error = try await connectError(configuration)
        print("tls-report plain AMQP to the TLS port: \(error) after \(ContinuousClock.now - started)")
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("127.0.0.1:\(fixture.tlsPort)"), "\(error)")
        #expect(error.message.contains("use an amqps:// URL"), "\(error)")
    }

    // MARK: (c) host names

    @Test("a host name the certificate does not hold (127.0.0.1; rabbitmq-c 0.11 ignores IP entries): .tlsVerificationFailed naming the host name")
    func wrongHostName() async throws {
        let fixture = try fixture
        let configuration = try fixture.configuration(host: "127.0.0.1")
        let error = try await connectError(configuration)
        #expect(error.code == .tlsVerificationFailed)
        #expect(error.message.contains("TLS host name verification failed for 127.0.0.1:\(fixture.tlsPort)"), "\(error)")
        #expect(error.message.contains("does not name the host '127.0.0.1'"), "\(error)")

        // With host name verification off, the same address connects; the CA is still checked.
        var unchecked = configuration
        unchecked.tlsOptions.verifyHostname = false
        try await withTimeLimit(.seconds(15), "connection without host name check") { [unchecked] in
            try await AMQPConnection.withConnection(unchecked) { _ in }
        }
        var otherCA = unchecked
        otherCA.tlsOptions.caCertificatePath = fixture.file("other-ca.pem")
        let stillChecked = try await connectError(otherCA)
        #expect(stillChecked.message.contains("TLS peer verification failed"), "\(stillChecked)")
    }

    // MARK: (d) client certificates

    @Test("a client certificate and key are sent and accepted; the broker sees the client's subject")
    func clientCertificate() async throws {
        let fixture = try fixture
        var configuration = try fixture.configuration(host: "localhost")
        configuration.tlsOptions.certificatePath = fixture.file("client.pem")
        configuration.tlsOptions.keyPath = fixture.file("client-key.pem")
        configuration.connectionName = "warren-tls-client-cert"
        try await withTimeLimit(.seconds(30), "connection with a client certificate") { [configuration] in
            try await AMQPConnection.withConnection(configuration) { connection in
                let channel = try await connection.openChannel()
                let queue = uniqueName("tls-cert")
                try await channel.queueDeclare(queue, durable: false, exclusive: true)
                try await channel.confirmSelect()
                try await channel.publish(Array("signed".utf8), routingKey: queue)
                let got = try await channel.get(queue: queue, noAck: true)
                #expect(got.map { String(decoding: $0.body, as: UTF8.self) } == "signed")
                let seen = try fixture.brokerConnections()
                print("tls-report broker connections (name, protocol, peer certificate): \(seen)")
                #expect(seen.contains { $0.hasPrefix("warren-tls-client-cert |") && $0.hasSuffix("CN=warren-test-client") }, "\(seen)")
                _ = try await channel.queueDelete(queue)
            }
        }
    }

    @Test("a client certificate from a CA the broker does not trust is refused with .connectionFailed")
    func untrustedClientCertificate() async throws {
        let fixture = try fixture
        var configuration = try fixture.configuration(host: "localhost")
        configuration.tlsOptions.certificatePath = fixture.file("other-client.pem")
        configuration.tlsOptions.keyPath = fixture.file("other-client-key.pem")
        let error = try await connectError(configuration)
        print("tls-report untrusted client certificate: \(error)")
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("localhost:\(fixture.tlsPort)"), "\(error)")
        #expect(error.message.contains("client certificate"), "\(error)")
    }

    @Test("bad client key material fails fast with .invalidArgument: missing file, key without certificate, password-protected key")
    func badClientKeys() async throws {
        let fixture = try fixture
        var missing = try fixture.configuration(host: "localhost")
        missing.tlsOptions.certificatePath = fixture.file("client.pem")
        missing.tlsOptions.keyPath = fixture.file("no-such-key.pem")
        let missingError = try await connectError(missing)
        #expect(missingError.code == .invalidArgument)
        #expect(missingError.message.contains("no-such-key.pem' cannot be read"), "\(missingError)")

        var alone = try fixture.configuration(host: "localhost")
        alone.tlsOptions.keyPath = fixture.file("client-key.pem")
        let aloneError = try await connectError(alone)
        #expect(aloneError.code == .invalidArgument)
        #expect(aloneError.message.contains("certfile and keyfile must be given together"), "\(aloneError)")

        // OpenSSL would prompt for the password on the terminal from the I/O thread; it must fail instead.
        var encrypted = try fixture.configuration(host: "localhost")
        encrypted.tlsOptions.certificatePath = fixture.file("client.pem")
        encrypted.tlsOptions.keyPath = fixture.file("client-key-encrypted.pem")
        let encryptedError = try await connectError(encrypted)
        #expect(encryptedError.code == .invalidArgument)
        #expect(encryptedError.message.contains("must not be password-protected"), "\(encryptedError)")

        var notPEM = try fixture.configuration(host: "localhost", ca: fixture.file("server.ext"))
        notPEM.connectionName = nil
        let notPEMError = try await connectError(notPEM)
        #expect(notPEMError.code == .invalidArgument)
        #expect(notPEMError.message.contains("holds no usable PEM certificate"), "\(notPEMError)")
    }

    // MARK: (e) the I/O loop over TLS

    @Test("many deliveries (some larger than a TLS record and a frame) then idle across 3 heartbeat intervals: the TLS connection stays up")
    func manyMessagesThenIdleAcrossHeartbeats() async throws {
        let fixture = try fixture
        var configuration = try fixture.configuration(host: "localhost")
        configuration.heartbeat = .seconds(2)
        let count = 3_000
        try await withTimeLimit(.seconds(90), "TLS consume and idle") { [configuration] in
            let connection = try await AMQPConnection.connect(configuration, logger: faultLogger("warren.fault.tls"))
            do {
                #expect(connection.negotiatedHeartbeat == 2)
                let channel = try await connection.openChannel()
                let queue = uniqueName("tls-heartbeat")
                try await channel.queueDeclare(queue, durable: false, exclusive: true)
                try await channel.confirmSelect()
                // Every 100th body is 300 kB: several frames (frame_max 131072) and many TLS records.
                let messages = (0..<count).map { index in
                    let size = index % 100 == 0 ? 300_000 : 10 + index % 2_000
                    return AMQPOutboundMessage(
                        body: Self.body(index: index, size: size), exchange: "", routingKey: queue)
                }
                for batch in stride(from: 0, to: count, by: 500) {
                    try await channel.publish(Array(messages[batch..<min(batch + 500, count)]))
                }
                try await channel.basicQos(prefetchCount: 200)
                let consumer = try await channel.consume(queue: queue)
                var received = 0
                var corrupt = 0
                for try await delivery in consumer {
                    if delivery.body != messages[received].body { corrupt += 1 }
                    received += 1
                    try delivery.ack()
                    if received == count { break }
                }
                #expect(received == count)
                #expect(corrupt == 0)
                try await consumer.cancel()

                // Idle: nothing to read or write but heartbeats, for more than 3 intervals.
                let idleSince = ContinuousClock.now
                try await Task.sleep(for: .seconds(7))
                let idleReason = await Self.reason(connection)
                #expect(connection.isOpen, "closed while idle: \(String(describing: idleReason))")
                try await channel.publish(Array("after idle".utf8), routingKey: queue)
                let after = try await channel.get(queue: queue, noAck: true)
                #expect(after.map { String(decoding: $0.body, as: UTF8.self) } == "after idle")
                print("tls-report heartbeats: \(count) deliveries, then idle \(ContinuousClock.now - idleSince) at heartbeat 2 s, connection open: \(connection.isOpen)")
                _ = try await channel.queueDelete(queue)
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
        }
    }

    // MARK: (f) no password anywhere

    @Test("no password in any error description or log line, for each kind of TLS failure and a wrong password over TLS")
    func passwordNeverShown() async throws {
        let fixture = try fixture
        let password = "TlsS3cretPassw0rd"
        let records = LogRecorder()
        let logger = Logger(label: "warren.fault.tls.secrets") { _ in records.handler() }
        var cases: [(String, AMQPConnection.Configuration)] = []
        let base = try AMQPConnection.Configuration(
            url: "amqps://guest:\(password)@localhost:\(fixture.tlsPort)/?cacertfile=\(fixture.file("ca.pem"))&connection_timeout=5000")
        cases.append(("wrong password", base))
        var noCA = base
        noCA.tlsOptions.caCertificatePath = nil
        cases.append(("no CA", noCA))
        var otherCA = base
        otherCA.tlsOptions.caCertificatePath = fixture.file("other-ca.pem")
        cases.append(("other CA", otherCA))
        var wrongHost = base
        wrongHost.host = "127.0.0.1"
        cases.append(("wrong host", wrongHost))
        var plainPort = base
        plainPort.port = fixture.plainPort
        cases.append(("plain port", plainPort))
        var untrustedClient = base
        untrustedClient.tlsOptions.certificatePath = fixture.file("other-client.pem")
        untrustedClient.tlsOptions.keyPath = fixture.file("other-client-key.pem")
        cases.append(("untrusted client certificate", untrustedClient))

        for (name, configuration) in cases {
            let error = try await connectError(configuration, logger: logger)
            for text in [error.message, error.description, String(reflecting: error), "\(configuration)", configuration.redactedURL] {
                #expect(!text.contains(password), "\(name): \(text)")
            }
            if name == "wrong password" { #expect(error.code == .authenticationFailed, "\(error)") }
        }
        let lines = records.lines
        #expect(!lines.isEmpty, "expected the connections to log something")
        for line in lines { #expect(!line.contains(password), "log line: \(line)") }
    }

    // MARK: Helpers

    /// Connects, expecting failure within 20 s, and returns the error.
    private func connectError(
        _ configuration: AMQPConnection.Configuration,
        logger: Logger = faultLogger("warren.fault.tls"),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> AMQPError {
        try await withTimeLimit(.seconds(20), "a refused connection") {
            do {
                let connection = try await AMQPConnection.connect(configuration, logger: logger)
                await connection.close()
                throw ExpectedFailure(configuration: configuration.redactedURL)
            } catch let error as AMQPError {
                return error
            }
        }
    }

    private static func body(index: Int, size: Int) -> [UInt8] {
        var body = Array("\(index):".utf8)
        body.reserveCapacity(size)
        var byte = UInt8(truncatingIfNeeded: index)
        while body.count < size {
            body.append(byte)
            byte &+= 31
        }
        return body
    }

    private static func reason(_ connection: AMQPConnection) async -> AMQPError? {
        connection.isOpen ? nil : await connection.closed()
    }
}

/// A connection that should have failed succeeded.
private struct ExpectedFailure: Error, CustomStringConvertible {
    var configuration: String
    var description: String { "connecting with \(configuration) succeeded; expected a failure" }
}

// MARK: - The node and the certificates

/// The suite's TLS node and certificate folder.
struct TLSFixture: Sendable {
    @TaskLocal static var current: TLSFixture?

    let directory: URL
    let node: PrivateBrokerNode
    var plainPort: Int { node.port }
    var tlsPort: Int { node.tls?.port ?? 0 }

    /// The path of a file in the certificate folder.
    func file(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// An amqps configuration for the TLS port on `host`, trusting `ca` (default: the broker's CA).
    func configuration(host: String, ca: String? = nil) throws -> AMQPConnection.Configuration {
        var configuration = try AMQPConnection.Configuration(
            url: "amqps://guest:guest@\(host):\(tlsPort)/?cacertfile=\(ca ?? file("ca.pem"))")
        configuration.connectTimeout = .seconds(5)
        configuration.callTimeout = .seconds(10)
        configuration.connectionName = "warren-fault-tls"
        return configuration
    }

    /// `rabbitmqctl list_connections name ssl_protocol peer_cert_subject`, one line per connection.
    func brokerConnections() throws -> [String] {
        let output = try runCapturing(
            "/bin/bash",
            [Scripts.path("broker-node.sh"), "ctl", node.name, "list_connections", "-q", "--no-table-headers",
             "name", "client_properties", "ssl_protocol", "peer_cert_subject"])
        return output.split(separator: "\n").map { line in
            // Keep the connection name (from the client properties) and the two TLS columns.
            let text = String(line)
            let name = text.firstMatch(of: /\{"connection_name","([^"]*)"\}/)
                .map { String($0.output.1) } ?? "?"
            let columns = text.split(separator: "\t", omittingEmptySubsequences: false).suffix(2).joined(separator: " | ")
            return "\(name) | \(columns)"
        }
    }
}

/// Sets up the suite's node once: makes a CA, a broker certificate for `localhost` (and IP
/// 127.0.0.1), client certificates and a second, unrelated CA with openssl in a temporary folder,
/// starts a private node with a TLS listener on ``FaultPorts/tls``, runs the suite, then stops the
/// node and removes the folder, whatever happened.
struct TLSNode: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("warren-tls-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try makeCertificates(in: directory)
        let node = PrivateBrokerNode(
            name: "warren-tls", port: FaultPorts.tlsPlain,
            tls: .init(port: FaultPorts.tls, directory: directory.path))
        defer { node.stop() }
        try node.start()
        try await TLSFixture.$current.withValue(TLSFixture(directory: directory, node: node)) {
            try await function()
        }
    }

    private func makeCertificates(in directory: URL) throws {
        func openssl(_ arguments: String...) throws {
            _ = try runCapturing("/usr/bin/openssl", arguments, in: directory)
        }
        func write(_ name: String, _ text: String) throws {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        func ca(_ name: String, _ subject: String) throws {
            _ = try runCapturing(
                "/usr/bin/openssl",
                ["req", "-x509"] + key + [
                    "-keyout", "\(name)-key.pem", "-out", "\(name).pem", "-days", "2", "-subj", subject,
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                ],
                in: directory)
        }
        func leaf(_ name: String, _ subject: String, signedBy issuer: String, extensions: String, serial: Int) throws {
            try write("\(name).ext", extensions)
            _ = try runCapturing(
                "/usr/bin/openssl",
                ["req"] + key + ["-keyout", "\(name)-key.pem", "-out", "\(name).csr", "-subj", subject],
                in: directory)
            try openssl(
                "x509", "-req", "-in", "\(name).csr", "-CA", "\(issuer).pem", "-CAkey", "\(issuer)-key.pem",
                "-set_serial", String(serial), "-days", "2", "-extfile", "\(name).ext", "-out", "\(name).pem")
        }
        try ca("ca", "/CN=Warren Test CA")
        try ca("other-ca", "/CN=Warren Other CA")
        try leaf(
            "server", "/CN=localhost", signedBy: "ca",
            extensions: "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
            serial: 2)
        try leaf(
            "client", "/CN=warren-test-client", signedBy: "ca",
            extensions: "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n", serial: 3)
        try leaf(
            "other-client", "/CN=warren-other-client", signedBy: "other-ca",
            extensions: "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n", serial: 4)
        try openssl(
            "pkey", "-in", "client-key.pem", "-aes256", "-passout", "pass:warren", "-out", "client-key-encrypted.pem")
    }
}

/// Runs a program and returns its standard output; throws with its output when it fails.
private func runCapturing(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read before waiting, so that a full pipe cannot stall the process.
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CommandFailed(
            command: ([executable] + arguments).joined(separator: " "), status: process.terminationStatus,
            errors: String(decoding: errorData, as: UTF8.self))
    }
    return String(decoding: data, as: UTF8.self)
}

/// A command the test ran failed.
private struct CommandFailed: Error, CustomStringConvertible {
    var command: String
    var status: Int32
    var errors: String
    var description: String { "\(command) exited with \(status): \(errors)" }
}
