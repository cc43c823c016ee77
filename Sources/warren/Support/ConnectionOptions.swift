import ArgumentParser
import WarrenAMQP

/// The `--url` option shared by every command that talks to the broker.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The broker's AMQP URL (default: $AMQP_URL, else amqp://guest:guest@127.0.0.1:5672/%2F).",
            valueName: "amqp-url"
        )
    )
    var url: String?

    /// The connection settings from `--url` or `AMQP_URL`, named `warren <command>` in the broker's
    /// connection list.
    func configuration(command: String) throws -> AMQPConnection.Configuration {
        var configuration: AMQPConnection.Configuration
        if let url {
            configuration = try AMQPConnection.Configuration(url: url)
        } else {
            configuration = try AMQPConnection.Configuration.fromEnvironment()
        }
        if configuration.connectionName == nil {
            configuration.connectionName = "warren \(command)"
        }
        return configuration
    }
}

extension AMQPConnection.Configuration {
    /// The broker's URL for people to read: password hidden, without the connection name.
    var displayURL: String {
        var copy = self
        copy.connectionName = nil
        return copy.redactedURL
    }
}
