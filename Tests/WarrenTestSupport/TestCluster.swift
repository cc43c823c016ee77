import Foundation

/// A private three-node RabbitMQ cluster (scripts/cluster.sh) for tests that kill the node a client
/// is connected to. Its nodes are `<name>-1` … `<name>-3` @localhost; indexes are 1-based, as in
/// the script.
public struct TestCluster: Sendable {
    /// The cluster's name, the prefix of its node names, e.g. `warren-cluster`.
    public let name: String
    /// The AMQP ports of nodes 1, 2 and 3.
    public let ports: [Int]

    /// Describes a cluster; nothing starts until ``start()``.
    public init(name: String, ports: [Int]) {
        precondition(ports.count == 3, "a test cluster has three nodes")
        self.name = name
        self.ports = ports
    }

    /// The node names, `<name>-1@localhost` …, as `cluster_status` lists them.
    public var nodeNames: [String] { (1...3).map { "\(name)-\($0)@localhost" } }

    /// The AMQP URL of node `index` (1-3).
    public func url(_ index: Int) -> String {
        "amqp://guest:guest@127.0.0.1:\(port(index))/%2F"
    }

    /// The AMQP port of node `index` (1-3).
    public func port(_ index: Int) -> Int {
        precondition((1...3).contains(index), "node index must be 1, 2 or 3")
        return ports[index - 1]
    }

    /// Starts the three nodes and joins 2 and 3 to 1 (or reuses the cluster if it runs, fully
    /// clustered, on the same ports); returns when `cluster_status` lists three running nodes.
    public func start() throws {
        try Scripts.run("cluster.sh", ["start", name] + ports.map(String.init))
    }

    /// Stops the three nodes and removes their data. Never throws: it runs in `defer`.
    public func stop() { try? Scripts.run("cluster.sh", ["stop", name]) }

    /// Whether the three nodes run and form one cluster.
    public var isUp: Bool { (try? Scripts.run("cluster.sh", ["status", name])) != nil }

    /// Kills node `index`'s VM with SIGKILL, keeping its data.
    public func crash(_ index: Int) throws { try Scripts.run("cluster.sh", ["crash", name, String(index)]) }

    /// Starts node `index` again on its data; it rejoins the cluster.
    public func restart(_ index: Int) throws { try Scripts.run("cluster.sh", ["restart", name, String(index)]) }

    /// Runs `rabbitmqctl -n <name>-<index>@localhost ARGUMENTS…`.
    public func ctl(_ index: Int, _ arguments: String...) throws {
        try Scripts.run("cluster.sh", ["ctl", name, String(index)] + arguments)
    }

    /// Runs `rabbitmqctl -n <name>-<index>@localhost ARGUMENTS…` and returns its standard output.
    public func ctlOutput(_ index: Int, _ arguments: String...) throws -> String {
        try Self.scriptOutput("cluster.sh", ["ctl", name, String(index)] + arguments)
    }

    /// The nodes that node `index` lists as running members of its cluster
    /// (`cluster_status --formatter json`, `running_nodes`).
    public func runningNodes(seenBy index: Int) throws -> [String] {
        let json = try ctlOutput(index, "-q", "cluster_status", "--formatter", "json")
        struct Status: Decodable { var running_nodes: [String]? }
        let status = try JSONDecoder().decode(Status.self, from: Data(json.utf8))
        return (status.running_nodes ?? []).sorted()
    }

    /// Runs a script with bash, waits, and returns its standard output; throws on a non-zero exit.
    /// Its standard error goes to the test's.
    ///
    /// The output is read to its end before waiting: a script that starts a detached process must
    /// close its descriptors first (scripts/broker-node.sh does), or this read lasts as long as
    /// that process.
    private static func scriptOutput(_ name: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Scripts.path(name)] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ScriptFailed(command: "scripts/\(name) \(arguments.joined(separator: " "))", status: process.terminationStatus)
        }
        return String(decoding: data, as: UTF8.self)
    }
}
