import Foundation

/// A RabbitMQ node of a test's own (scripts/broker-node.sh), for tests that stop, alarm or
/// reconfigure a broker without disturbing the shared one.
public struct PrivateBrokerNode: Sendable {
    /// The node's short name, e.g. `warren-blocked`.
    public let name: String
    /// Its AMQP port.
    public let port: Int

    /// A TLS listener besides the plain one, or nil.
    public let tls: TLSListener?

    /// A node's TLS listener: its port and the folder with `ca.pem` (the CA it trusts for client
    /// certificates), `server.pem` and `server-key.pem` (scripts/broker-node.sh `--tls-port` /
    /// `--tls-dir`). The node asks clients for a certificate but accepts clients without one.
    public struct TLSListener: Sendable {
        /// The port of AMQP over TLS (on 127.0.0.1).
        public var port: Int
        /// The folder with the PEM files.
        public var directory: String

        public init(port: Int, directory: String) {
            self.port = port
            self.directory = directory
        }
    }

    /// Describes a node, optionally with a TLS listener; nothing starts until ``start()``.
    public init(name: String, port: Int, tls: TLSListener? = nil) {
        self.name = name
        self.port = port
        self.tls = tls
    }

    /// Starts the node (or reuses it if it runs with the same settings) and waits until it answers.
    public func start() throws {
        var arguments = ["start", name, String(port)]
        if let tls { arguments += ["--tls-port", String(tls.port), "--tls-dir", tls.directory] }
        try Scripts.run("broker-node.sh", arguments)
    }
    /// Stops the node and removes its data.
    public func stop() { try? Scripts.run("broker-node.sh", ["stop", name]) }
    /// Kills the node's VM with SIGKILL, keeping its data.
    public func crash() throws { try Scripts.run("broker-node.sh", ["crash", name]) }
    /// Starts the node again on its data (after ``crash()`` or a stop).
    public func restart() throws { try Scripts.run("broker-node.sh", ["restart", name]) }
    /// Runs `rabbitmqctl -n <node> ARGUMENTS…`.
    public func ctl(_ arguments: String...) throws { try Scripts.run("broker-node.sh", ["ctl", name] + arguments) }
}

/// The project's scripts/ folder, found from this source file.
public enum Scripts {
    /// scripts/NAME.
    public static func path(_ name: String) -> String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts").appendingPathComponent(name).path
    }

    /// Runs a script with bash and waits; throws on a non-zero exit.
    public static func run(_ name: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [path(name)] + arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ScriptFailed(command: "scripts/\(name) \(arguments.joined(separator: " "))", status: process.terminationStatus)
        }
    }
}

/// A script exited with a failure.
public struct ScriptFailed: Error, CustomStringConvertible {
    public var command: String
    public var status: Int32
    public var description: String { "\(command) exited with \(status)" }
}
