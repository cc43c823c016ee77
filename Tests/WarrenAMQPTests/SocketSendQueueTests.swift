import Foundation
import Testing
import WarrenTestSupport
@testable import WarrenAMQP

/// `socketSendQueueBytes`: what the kernel still holds to send on a socket (TIOCOUTQ on Linux,
/// SO_NWRITE on Darwin), on a real loopback TCP connection.
@Suite("socket send queue")
struct SocketSendQueueTests {
    @Test("0 on a fresh connection; more than 0 once the peer stops reading and the buffers fill; 0 again after the peer read it all")
    func fillAndDrain() async throws {
        let (client, server) = try loopbackPair()
        defer {
            _ = closeDescriptor(client)
            _ = closeDescriptor(server)
        }
        #expect(socketSendQueueBytes(client) == 0)

        // Fill the peer's receive buffer and our send buffer: write until the socket would block.
        let flags = fcntl(client, F_GETFL)
        #expect(fcntl(client, F_SETFL, flags | O_NONBLOCK) == 0)
        let chunk = [UInt8](repeating: 0x5A, count: 16_384)
        var written = 0
        while true {
            let count = chunk.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            written += count
        }
        let queued = try #require(socketSendQueueBytes(client))
        #expect(queued > 0, "wrote \(written) bytes the peer did not read")
        #expect(queued <= written)

        // The peer reads everything; the queue empties once the last bytes are acknowledged.
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var read = 0
        while read < written {
            let count = buffer.withUnsafeMutableBytes { recv(server, $0.baseAddress, $0.count, 0) }
            try #require(count > 0, "peer read failed after \(read) of \(written) bytes")
            read += count
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while socketSendQueueBytes(client) != 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(socketSendQueueBytes(client) == 0)
    }

    @Test("nil for a descriptor that is not open")
    func invalidDescriptor() {
        #expect(socketSendQueueBytes(-1) == nil)
    }

    /// A connected TCP pair on 127.0.0.1: (client, accepted server side), both blocking.
    private func loopbackPair() throws -> (Int32, Int32) {
        let listener = socket(AF_INET, streamSocketType, 0)
        try #require(listener >= 0)
        defer { _ = closeDescriptor(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 1) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        try #require(bound, "listener: \(String(cString: strerror(errno)))")
        let client = socket(AF_INET, streamSocketType, 0)
        try #require(client >= 0)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) }
        }
        try #require(connected == 0, "connect: \(String(cString: strerror(errno)))")
        let server = accept(listener, nil, nil)
        try #require(server >= 0, "accept: \(String(cString: strerror(errno)))")
        return (client, server)
    }
}
