import ArgumentParser
import Foundation
import Warren

/// `warren queues`: ready messages, consumers and dead letters of task queues.
struct QueuesCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "queues",
        abstract: "Show task queues: ready messages, consumers and dead letters.",
        discussion: """
            With --queue, shows the named queues. Without it, lists Warren's task queues (those that \
            dead-letter to 'warren.dead-letter') from the RabbitMQ management API, which needs the \
            rabbitmq_management plugin. The counts come from the broker over AMQP. \
            `warren queues upgrade` recreates a queue with Warren's arguments.
            """,
        subcommands: [QueuesUpgradeCommand.self]
    )

    /// One queue's counts.
    struct Row: Encodable {
        let queue: String
        let ready: UInt32
        let consumers: UInt32
        /// The depth of `queue.dead`, nil when it does not exist.
        let dead: UInt32?
    }

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .customLong("queue"), help: "A queue to show (repeatable); default: every Warren queue.")
    var queues: [String] = []

    @Flag(help: "Print one JSON array instead of a table.")
    var json = false

    @Option(name: .customLong("management-url"), help: "The management API (default: $WARREN_MANAGEMENT_URL if set, else http://AMQP-HOST:15672).")
    var managementURL: String?

    mutating func execute() async throws {
        let amqp = try connection.configuration(command: "queues")
        var names = queues
        if names.isEmpty {
            let api = try ManagementAPI(amqp: amqp, override: managementURL)
            let deadLetterExchange = Topology().deadLetterExchange
            names = try await api.queues()
                .filter { $0.arguments["x-dead-letter-exchange"] == deadLetterExchange && !$0.name.hasSuffix(".dead") }
                .map(\.name)
                .sorted()
        }
        let (rows, missing) = try await AMQPConnection.withConnection(amqp) { connection in
            var rows: [Row] = []
            var missing: [String] = []
            for name in names {
                guard let counts = try await connection.inspectQueue(name) else {
                    missing.append(name)
                    continue
                }
                let dead = try await connection.inspectQueue(TaskQueue(name).deadLetterQueue)
                rows.append(Row(queue: name, ready: counts.messageCount, consumers: counts.consumerCount, dead: dead?.messageCount))
            }
            return (rows, missing)
        }
        if json {
            try JSONOutput.print(rows)
        } else if rows.isEmpty && (missing.isEmpty || queues.isEmpty) {
            Console.out("no Warren task queues in vhost '\(amqp.virtualHost)'")
        } else if !rows.isEmpty {
            var table = Table(headers: ["QUEUE", "READY", "CONSUMERS", "DEAD"], numeric: [1, 2, 3])
            for row in rows {
                table.append([row.queue, String(row.ready), String(row.consumers), row.dead.map { String($0) } ?? "-"])
            }
            for line in table.render() { Console.out(line) }
        }
        // A listed queue deleted before it was counted is simply gone; a named one is an error.
        if !missing.isEmpty && !queues.isEmpty {
            let list = missing.map { "'\($0)'" }.joined(separator: ", ")
            throw CLIFailure("no such queue in vhost '\(amqp.virtualHost)': \(list)")
        }
    }
}
