import ArgumentParser
import Logging
import Warren

/// `warren demo`: a worker and a producer in one process, telling what happens to each task.
struct DemoCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a worker and enqueue a few tasks, one of which fails until it is dead-lettered.",
        discussion: """
            Declares the queue (default 'warren-demo', emptied first), runs a worker in this process \
            (concurrency 4; 3 attempts, 0.5 s then 1 s apart) with two tasks, resize-image and \
            charge-card, enqueues --tasks tasks, one with a card that is always declined, and prints \
            each success, retry and dead letter, then the dead-letter queue and a summary. Exits 0 \
            when everything went as expected.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "How many tasks to enqueue (at least 2).")
    var tasks: Int = 10

    @Option(help: "The demo's task queue.")
    var queue: String = "warren-demo"

    @Option(help: ArgumentHelp("Give up when the tasks have not settled within this time.", valueName: "seconds"))
    var timeout: Seconds = Seconds(30)

    @Flag(help: "Show the worker's log on standard error.")
    var verbose = false

    func validate() throws {
        guard (2...1000).contains(tasks) else { throw ValidationError("--tasks must be between 2 and 1000") }
        try TaskQueue(queue).validate()
    }

    mutating func execute() async throws {
        CLILogging.bootstrap(level: verbose ? .info : .critical)
        let amqp = try connection.configuration(command: "demo")
        let run = DemoRun(
            amqp: amqp,
            queue: queue,
            plan: DemoPlan(count: tasks),
            timeout: timeout.duration,
            logger: Logger(label: "warren.demo")
        )
        try await run.run()
    }
}
