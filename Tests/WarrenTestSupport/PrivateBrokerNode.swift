import Foundation

/// A RabbitMQ node of a test's own (scripts/broker-node.sh), for tests that stop, alarm or
/// reconfigure a broker without disturbing the shared one.
public struct PrivateBrokerNode: Sendable {
    /// The node's short name, e.g. `warren-blocked`.
    public let name: String
    /// Its AMQP port.
    public let port: Int

    /// Describes a node; nothing starts until ``start()``.
    public init(name: String, port: Int) {
        self.name = name
        self.port = port
    }

    /// Starts the node (or reuses it if it runs) and waits until it answers.
    public func start() throws { try Scripts.run("broker-node.sh", ["start", name, String(port)]) }
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
