import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// scripts/fault-proxy.py, run as a child process: a TCP proxy between a client and the broker that
/// cuts, stalls or refuses connections on command.
///
/// ```swift
/// let proxy = try await FaultProxy.start(target: "127.0.0.1:5672")
/// defer { proxy.stop() }
/// var amqp = brokerConfiguration
/// amqp.port = proxy.port           // the client now goes through the proxy
/// try await proxy.cut()            // every proxied connection is reset
/// ```
///
/// The proxy exits when its stdin closes, so it dies with the test process even if ``stop()`` is never
/// reached; ``stop()`` (also run on deinit) ends it at once. Commands are sent over the proxy's control
/// port by a tiny blocking client on a thread of its own, never on the cooperative pool.
public final class FaultProxy: Sendable {
    /// The port clients connect to, on 127.0.0.1.
    public let port: Int
    /// The control port, on 127.0.0.1.
    public let controlPort: Int
    /// The process id of the proxy.
    public let processIdentifier: Int32

    private let running: Mutex<(process: Process, stdin: FileHandle)?>

    private init(port: Int, controlPort: Int, process: Process, stdin: FileHandle) {
        self.port = port
        self.controlPort = controlPort
        self.processIdentifier = process.processIdentifier
        self.running = Mutex((process, stdin))
    }

    deinit { stop() }

    /// Starts a proxy forwarding to `target` (`HOST:PORT`) and waits until it listens.
    /// - Parameters:
    ///   - listenPort: the proxy port; 0 picks a free one.
    ///   - verbose: the proxy logs connections and commands to this process's stderr.
    public static func start(target: String, listenPort: Int = 0, verbose: Bool = true) async throws -> FaultProxy {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Scripts.path("fault-proxy.py"), "--listen", String(listenPort), "--target", target, "--control", "0"]
            + (verbose ? ["--verbose"] : [])
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.standardError
        try process.run()
        // Our copy of the proxy's end of each pipe: the proxy sees the end of stdin only once every
        // writer is gone, and our stdout read sees the end only once the proxy's writer is gone.
        try? stdin.fileHandleForReading.close()
        try? stdout.fileHandleForWriting.close()
        let stdinWriter = stdin.fileHandleForWriting
        let output = stdout.fileHandleForReading.fileDescriptor

        let line: String?
        do {
            line = try await onOwnThread { try readLine(from: output, within: .seconds(15)) }
        } catch {
            terminate(process, stdin: stdinWriter)
            throw error
        }
        // The pipe (and so `output`) must outlive the read; the proxy writes nothing more on stdout.
        withExtendedLifetime(stdout) {}
        let words = line?.split(separator: " ") ?? []
        guard words.count == 4, words[0] == "listening", words[2] == "control",
              let port = Int(words[1]), let controlPort = Int(words[3])
        else {
            terminate(process, stdin: stdinWriter)
            throw FaultProxyError(description: "fault-proxy.py did not start: it said \(line.map { "'\($0)'" } ?? "nothing")")
        }
        return FaultProxy(port: port, controlPort: controlPort, process: process, stdin: stdinWriter)
    }

    /// Runs `body` with a proxy to `target` and stops the proxy afterwards, whether `body` returns or throws.
    public static func with<Result: Sendable>(
        target: String,
        verbose: Bool = true,
        _ body: (FaultProxy) async throws -> Result
    ) async throws -> Result {
        let proxy = try await start(target: target, verbose: verbose)
        defer { proxy.stop() }
        return try await body(proxy)
    }

    // MARK: - Commands

    /// Resets every proxied connection, both ways; returns how many there were.
    @discardableResult
    public func cut() async throws -> Int {
        Int(try await send("cut").split(separator: " ").last ?? "") ?? 0
    }

    /// Closes every proxied connection with an orderly FIN (no reset); returns how many there were.
    @discardableResult
    public func cutGracefully() async throws -> Int {
        Int(try await send("cut fin").split(separator: " ").last ?? "") ?? 0
    }

    /// Stops forwarding in both directions, sockets kept open; new connections are stalled too.
    public func stall() async throws { _ = try await send("stall") }

    /// Forwards again: on every connection, or with `onlyNew` only on connections accepted from now
    /// on (the stalled ones stay stalled for good).
    public func resume(onlyNew: Bool = false) async throws { _ = try await send(onlyNew ? "resume new" : "resume") }

    /// Closes new connections as soon as they are accepted.
    public func refuse() async throws { _ = try await send("refuse") }

    /// Accepts new connections again.
    public func accept() async throws { _ = try await send("accept") }

    /// The proxy's counters.
    public func stats() async throws -> Stats {
        let answer = try await send("stats")
        var values: [String: Int] = [:]
        let words = answer.split(separator: " ")
        for index in stride(from: 0, to: words.count - 1, by: 2) {
            values[String(words[index])] = Int(words[index + 1])
        }
        return Stats(
            connections: values["connections"] ?? 0, open: values["open"] ?? 0, stalled: values["stalled"] ?? 0,
            cuts: values["cuts"] ?? 0, bytesUp: values["up"] ?? 0, bytesDown: values["down"] ?? 0
        )
    }

    /// The proxy's counters.
    public struct Stats: Sendable, CustomStringConvertible {
        /// Connections accepted so far (refused ones included).
        public var connections: Int
        /// Connections proxied now.
        public var open: Int
        /// Of those, the ones not forwarding.
        public var stalled: Int
        /// `cut` commands so far.
        public var cuts: Int
        /// Bytes forwarded client → broker.
        public var bytesUp: Int
        /// Bytes forwarded broker → client.
        public var bytesDown: Int

        public var description: String {
            "\(connections) connections (\(open) open, \(stalled) stalled), \(cuts) cuts, \(bytesUp) bytes up, \(bytesDown) down"
        }
    }

    /// Sends one control command and returns the answer after `ok `.
    /// - Throws: ``FaultProxyError`` when the proxy answers `error …` or does not answer within 5 s.
    public func send(_ command: String) async throws -> String {
        let port = controlPort
        // Every command but `cut` may be sent twice without harm: try those again once if the
        // control connection fails (a client in this process that shuts down a stale descriptor
        // can hit it; see the scenario 3/4 bug reports).
        let attempts = command.split(separator: " ").first?.lowercased() == "cut" ? 1 : 2
        let answer = try await Self.onOwnThread {
            var attempt = 1
            while true {
                do {
                    return try Self.exchange(command, port: port)
                } catch {
                    guard attempt < attempts else { throw error }
                    attempt += 1
                    usleep(50_000)
                }
            }
        }
        guard answer == "ok" || answer.hasPrefix("ok ") else {
            throw FaultProxyError(description: "fault-proxy '\(command)': \(answer)")
        }
        return String(answer.dropFirst(answer == "ok" ? 2 : 3))
    }

    // MARK: - Stopping

    /// True while the proxy process runs.
    public var isRunning: Bool { running.withLock { $0?.process.isRunning ?? false } }

    /// Ends the proxy (SIGTERM, then SIGKILL after 2 s) and waits for it; every proxied connection
    /// closes. Calling it again does nothing.
    public func stop() {
        guard let (process, stdin) = running.withLock({ running in
            defer { running = nil }
            return running
        }) else { return }
        Self.terminate(process, stdin: stdin)
    }

    private static func terminate(_ process: Process, stdin: FileHandle) {
        try? stdin.close()
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(2)
        while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    // MARK: - Blocking I/O, off the cooperative pool

    /// Runs blocking `body` on a thread of its own and returns its result.
    private static func onOwnThread<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
            thread.name = "fault-proxy-io"
            thread.start()
        }
    }

    /// Reads one line from `fd`; nil at the end of the stream. Throws after `limit`.
    private static func readLine(from fd: Int32, within limit: Duration) throws -> String? {
        let deadline = ContinuousClock.now + limit
        var bytes: [UInt8] = []
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                throw FaultProxyError(description: "fault-proxy.py said nothing within \(limit)")
            }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            var byte: UInt8 = 0
            let count = read(fd, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            guard count == 1 else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
    }

    /// Connects to the control port, sends `command`, reads the one-line answer, closes.
    private static func exchange(_ command: String, port: Int) throws -> String {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw FaultProxyError(description: "socket(): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        #if canImport(Darwin)
        // Darwin has no MSG_NOSIGNAL: the socket itself must not raise SIGPIPE.
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            throw FaultProxyError(description: "fault-proxy control port \(port): \(String(cString: strerror(errno)))")
        }
        let request = Array((command + "\n").utf8)
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { sendWithoutSIGPIPE(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw FaultProxyError(description: "fault-proxy '\(command)': send failed: \(String(cString: strerror(errno)))")
            }
            sent += count
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while !answer.contains(UInt8(ascii: "\n")) {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw FaultProxyError(
                    description: "fault-proxy '\(command)': no answer (\(count == 0 ? "closed" : String(cString: strerror(errno))))"
                )
            }
            answer.append(contentsOf: buffer[..<count])
        }
        return String(decoding: answer.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    }
}

/// The fault proxy failed to start or to answer.
public struct FaultProxyError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}

/// `send(2)` that never raises SIGPIPE, under a name that `FaultProxy.send(_:)` does not hide: with
/// `MSG_NOSIGNAL` on Linux; on Darwin the socket has `SO_NOSIGPIPE` set instead.
private func sendWithoutSIGPIPE(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Darwin)
    send(fd, buffer, count, 0)
    #else
    send(fd, buffer, count, Int32(MSG_NOSIGNAL))
    #endif
}
