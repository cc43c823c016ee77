import Warren
import WebhookShared

/// The web service's settings: flags first, then environment variables, then defaults.
///
/// | flag | variable | default |
/// | --- | --- | --- |
/// | `--host` | `WEBHOOK_HOST` | `127.0.0.1` |
/// | `--port` | `WEBHOOK_PORT` | `8080` (0: any free port) |
/// | `--db` | `WEBHOOK_DB` | `webhooks.sqlite` |
/// | | `WEBHOOK_EVENTS_QUEUE` | `webhook-service.events` |
/// | | `WEBHOOK_TASK_QUEUE`, `WEBHOOK_EVENTS_EXCHANGE`, `AMQP_URL` | see ``SharedNames`` |
public struct ServiceSettings: Sendable {
    /// The address to listen on.
    public var host: String
    /// The port; 0 picks a free one (the `listening on` line names it).
    public var port: Int
    /// The SQLite file.
    public var databasePath: String
    /// The service's own durable queue of task events.
    public var eventsQueue: String
    /// The task queue and events exchange.
    public var names: SharedNames
    /// The broker.
    public var amqp: AMQPConnection.Configuration

    /// Reads the settings from `arguments` (without the program name) and the environment.
    public init(arguments: [String], environment reader: EnvironmentReader) throws {
        var flags: [String: String] = [:]
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard ["--host", "--port", "--db"].contains(flag) else {
                throw SettingsError("unknown argument '\(flag)'; usage: webhook-service [--host HOST] [--port PORT] [--db FILE]")
            }
            guard let value = rest.popFirst() else { throw SettingsError("\(flag) needs a value") }
            flags[flag] = value
        }
        host = flags["--host"] ?? reader.string("WEBHOOK_HOST", default: "127.0.0.1")
        let portText = flags["--port"] ?? reader.string("WEBHOOK_PORT", default: "8080")
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw SettingsError("the port must be a number from 0 to 65535, not '\(portText)'")
        }
        self.port = port
        databasePath = flags["--db"] ?? reader.string("WEBHOOK_DB", default: "webhooks.sqlite")
        eventsQueue = reader.string("WEBHOOK_EVENTS_QUEUE", default: "webhook-service.events")
        names = SharedNames(reader)
        amqp = try reader.amqp()
    }
}
