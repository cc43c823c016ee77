import ArgumentParser
import Warren

/// The `warren` command-line tool: run workers, enqueue tasks, inspect queues and dead letters.
@main
struct WarrenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warren",
        abstract: "Durable task queues on RabbitMQ.",
        discussion: "The broker is --url, else $AMQP_URL, else amqp://guest:guest@127.0.0.1:5672/%2F.",
        version: Warren.version,
        subcommands: [
            WorkerCommand.self,
            PublishCommand.self,
            QueuesCommand.self,
            DeadLettersCommand.self,
            DemoCommand.self,
            VersionCommand.self,
        ]
    )
}
