import Foundation
import Testing
import WarrenTestSupport
import WarrenAMQP

@Suite("Connection")
struct ConnectionTests {
    @Test("connects, negotiates and reports the broker's properties")
    func connectsAndNegotiates() async throws {
        var configuration = try testConfiguration()
        configuration.heartbeat = .seconds(7)
        configuration.frameMax = 65_536
        let connection = try await AMQPConnection.connect(configuration)
        #expect(connection.isOpen)
        #expect(connection.negotiatedHeartbeat == 7)
        #expect(connection.negotiatedFrameMax == 65_536)
        #expect(connection.negotiatedChannelMax > 0)
        #expect(connection.serverProperties["product"]?.stringValue == "RabbitMQ")
        #expect(connection.serverProperties["capabilities"]?.tableValue?["publisher_confirms"]?.boolValue == true)
        await connection.close()
        #expect(!connection.isOpen)
        let reason = await connection.closed()
        #expect(reason.code == .connectionClosed)
        #expect(reason.replyCode == nil)
    }

    @Test("nothing listening fails within the connect timeout, naming the address")
    func nothingListening() async throws {
        var configuration = try testConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 1  // nothing listens on port 1
        configuration.connectTimeout = .seconds(3)
        let started = ContinuousClock.now
        let error = try await #require(throws: AMQPError.self) {
            _ = try await AMQPConnection.connect(configuration)
        }
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("127.0.0.1:1"))
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test("a silent peer fails the handshake within the connect timeout")
    func silentPeer() async throws {
        // A listening socket that never answers: the TCP connect succeeds, the AMQP handshake does not.
        let listener = try SilentListener()
        defer { listener.close() }
        var configuration = try testConfiguration()
        configuration.port = listener.port
        configuration.connectTimeout = .seconds(2)
        let started = ContinuousClock.now
        let error = try await #require(throws: AMQPError.self) {
            _ = try await AMQPConnection.connect(configuration)
        }
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("127.0.0.1:\(listener.port)"))
        #expect(ContinuousClock.now - started < .seconds(6))
    }

    @Test("wrong credentials say access refused")
    func wrongCredentials() async throws {
        var configuration = try testConfiguration()
        configuration.user = "guest"
        configuration.password = "not-the-password"
        let error = try await #require(throws: AMQPError.self) {
            _ = try await AMQPConnection.connect(configuration)
        }
        #expect(error.code == .authenticationFailed)
        #expect(error.replyCode == 403)
        #expect(error.description.contains("ACCESS_REFUSED"))
        #expect(!error.description.contains("not-the-password"))
    }

    @Test("a missing virtual host says so")
    func missingVirtualHost() async throws {
        var configuration = try testConfiguration()
        configuration.virtualHost = uniqueName("no-such-vhost")
        let error = try await #require(throws: AMQPError.self) {
            _ = try await AMQPConnection.connect(configuration)
        }
        #expect(error.code == .virtualHostNotAccessible)
        #expect(error.replyCode == 530)
        #expect(error.message.contains(configuration.virtualHost))
    }

    @Test("heartbeats keep an idle connection alive across three intervals")
    func heartbeatKeepsIdleConnectionAlive() async throws {
        var configuration = try testConfiguration()
        configuration.heartbeat = .seconds(1)
        let queue = uniqueName("heartbeat")
        try await withTestChannel(queues: [queue], configuration: configuration) { connection, channel in
            #expect(connection.negotiatedHeartbeat == 1)
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            // The broker drops a client that sends nothing for two intervals; stay idle for 3.5.
            try await Task.sleep(for: .milliseconds(3500))
            #expect(connection.isOpen)
            let state = try await channel.queueDeclare(queue, passive: true)
            #expect(state.name == queue)
        }
    }

    @Test("closing the connection fails pending calls and ends consumers")
    func closeEndsEverything() async throws {
        let queue = uniqueName("close")
        let connection = try await AMQPConnection.connect(try testConfiguration())
        let channel = try await connection.openChannel()
        try await channel.queueDeclare(queue, durable: false, exclusive: true, autoDelete: true)
        let consumer = try await channel.consume(queue: queue)
        let iteration = Task {
            var count = 0
            for try await _ in consumer { count += 1 }
            return count
        }
        await connection.close()
        // A clean close by the application ends the sequence normally.
        let received = try await withTimeLimit(.seconds(5), "consumer end") { try await iteration.value }
        #expect(received == 0)
        let error = try await #require(throws: AMQPError.self) {
            try await channel.queueDeclare(queue, passive: true)
        }
        #expect(error.code == .connectionClosed)
        #expect(!channel.isOpen)
        // Closing twice is harmless.
        await connection.close()
    }

    @Test("withConnection closes the connection after the body")
    func scopedConnection() async throws {
        let escaped = try await AMQPConnection.withConnection(try testConfiguration()) { connection in
            let channel = try await connection.openChannel()
            #expect(channel.isOpen)
            return channel
        }
        #expect(!escaped.isOpen)
    }

    @Test("a channel error does not take the connection or its other channels down")
    func channelErrorKeepsConnection() async throws {
        try await withTestChannel { connection, channel in
            let other = try await connection.openChannel()
            let error = try await #require(throws: AMQPError.self) {
                try await channel.queueDeclare(uniqueName("missing"), passive: true)
            }
            #expect(error.code == .channelClosed)
            #expect(error.replyCode == 404)
            #expect(error.operation == "queue.declare")
            #expect(!channel.isOpen)
            #expect(connection.isOpen)
            // The other channel still works, and so does a new one.
            let queue = try await other.queueDeclare("", durable: false, exclusive: true)
            #expect(queue.name.hasPrefix("amq.gen-"))
            let fresh = try await connection.openChannel()
            #expect(fresh.isOpen)
            // The closed channel keeps failing with its reason.
            let again = try await #require(throws: AMQPError.self) { try await channel.queueDeclare("", exclusive: true) }
            #expect(again.code == .channelClosed)
        }
    }

    @Test("a cancelled call ends at once")
    func cancelledCall() async throws {
        try await withTestChannel { _, channel in
            let task = Task {
                // basic.get on a queue that does not exist still answers quickly; cancel before it starts.
                withUnsafeCurrentTask { $0?.cancel() }
                return try await channel.queueDeclare("", durable: false, exclusive: true)
            }
            await #expect(throws: CancellationError.self) { try await task.value }
        }
    }
}

/// A TCP listener on loopback that accepts connections and never writes a byte.
final class SilentListener: Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, streamSocketType, 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else { throw AMQPError(.connectionFailed, "test listener failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        _ = closeDescriptor(fd)
    }
}
