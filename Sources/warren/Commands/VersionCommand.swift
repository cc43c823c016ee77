import ArgumentParser
import Warren

/// `warren version`: prints the tool's and the library's versions, and the rabbitmq-c library loaded.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the version."
    )

    func run() {
        Console.out(
            "warren \(Warren.version) (WarrenAMQP client \(AMQPConnection.clientVersion), rabbitmq-c \(RabbitMQC.loadedVersion))"
        )
    }
}
