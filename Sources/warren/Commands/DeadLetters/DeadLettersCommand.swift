import ArgumentParser

/// `warren dead-letters`: inspect, replay and purge a task queue's dead-letter queue.
struct DeadLettersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "Inspect, replay or purge the dead letters of a task queue (QUEUE.dead).",
        subcommands: [DeadLettersListCommand.self, DeadLettersReplayCommand.self, DeadLettersPurgeCommand.self]
    )
}
