import ArgumentParser

@main
struct WarrenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warren",
        abstract: "Durable task queues on RabbitMQ."
    )
}
