import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Warren

/// `warren worker`: consumes a task queue and runs a shell command for each task.
struct WorkerCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run the tasks of a queue with a shell command, one process per task.",
        discussion: """
            Each task runs `/bin/sh -c COMMAND` with its JSON body on standard input and these \
            environment variables: WARREN_TASK_NAME, WARREN_MESSAGE_ID, WARREN_ATTEMPT, \
            WARREN_MAX_ATTEMPTS, WARREN_REDELIVERED (0/1), WARREN_QUEUE, and WARREN_CORRELATION_ID and \
            WARREN_REPLAYS when the message has them.

            Exit status 0: done (acked). Exit status 65: permanent failure, dead-lettered to QUEUE.dead \
            at once. Any other status, or a signal: failed, retried with back-off until --max-attempts, \
            then dead-lettered. The error kept with the task holds the status and the end of the \
            command's standard error.

            --time-limit stops a command that runs too long: SIGTERM to its process group, SIGKILL 2 s \
            later; the attempt counts as failed. SIGTERM or SIGINT stops taking tasks and waits for the \
            running ones (at most --grace-period); a second signal exits at once with status 130 (the \
            unacked tasks return to the queue).
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The task queue to consume (declared with QUEUE.dead if missing).")
    var queue: String

    @Option(name: .customLong("exec"), help: ArgumentHelp("The shell command to run for each task.", valueName: "command"))
    var command: String

    @Option(help: "Tasks running at once.")
    var concurrency: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Unacked messages the broker sends ahead (default: twice the concurrency).")
    var prefetch: UInt16?

    @Option(help: "Attempts per task, the first included.")
    var maxAttempts: Int = 5

    @Option(help: ArgumentHelp("The delay before the first retry.", valueName: "seconds"))
    var initialDelay: Seconds = Seconds(1)

    @Option(help: ArgumentHelp("The longest delay between attempts.", valueName: "seconds"))
    var maxDelay: Seconds = Seconds(600)

    @Option(help: "The factor by which each further delay grows.")
    var multiplier: Double = 2

    @Option(help: ArgumentHelp("Stop a command that runs longer than this; the attempt fails.", valueName: "seconds"))
    var timeLimit: Seconds?

    @Flag(help: "Declare the queue (and its dead-letter queue) as quorum queues.")
    var quorum = false

    @Option(help: ArgumentHelp("On shutdown, how long running tasks may take to finish.", valueName: "seconds"))
    var gracePeriod: Seconds = Seconds(30)

    @Option(help: ArgumentHelp("Serve Prometheus metrics at http://HOST:PORT/metrics.", valueName: "port"))
    var metricsPort: Int?

    @Option(help: ArgumentHelp("The address the metrics endpoint listens on.", valueName: "host"))
    var metricsHost: String = "0.0.0.0"

    @Option(help: "The log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard prefetch != 0 else { throw ValidationError("--prefetch must be at least 1") }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        guard multiplier.isFinite, multiplier >= 1 else { throw ValidationError("--multiplier must be at least 1") }
        guard timeLimit.map({ $0.duration > .zero }) ?? true else { throw ValidationError("--time-limit must be more than 0") }
        guard !command.allSatisfy(\.isWhitespace) else { throw ValidationError("--exec needs a command") }
        guard metricsPort.map({ (0...65535).contains($0) }) ?? true else { throw ValidationError("--metrics-port must be 0 to 65535") }
        try TaskQueue(queue).validate()
    }

    mutating func execute() async throws {
        CLILogging.bootstrap(level: logLevel)
        let logger = Logger(label: "warren.worker")
        let amqp = try connection.configuration(command: "worker")

        let retry = RetryPolicy(
            maxAttempts: maxAttempts,
            initialDelay: initialDelay.duration,
            multiplier: multiplier,
            maxDelay: maxDelay.duration
        )
        var tasks = TaskRegistry()
        let handler = ExecHandler(command: command)
        tasks.registerFallback { body, context in
            try await handler(body, context)
        }
        let taskQueue = TaskQueue(queue, kind: quorum ? .quorum : .classic)
        // Fail fast, in one line, on a wrong URL or credentials, an unreachable broker or a queue
        // declared differently; once running, the worker reconnects after losing the broker.
        try await AMQPConnection.withConnection(amqp, logger: logger) { connection in
            try await connection.withChannel { channel in
                try await Topology().declare(taskQueue, on: channel)
            }
        }
        let worker = Worker(
            configuration: Worker.Configuration(
                amqp: amqp,
                queue: taskQueue,
                concurrency: concurrency,
                prefetch: prefetch,
                retryPolicy: retry,
                timeLimit: timeLimit?.duration,
                shutdownGracePeriod: gracePeriod.duration
            ),
            tasks: tasks,
            logger: logger
        )
        logger.info(
            "starting worker",
            metadata: ["url": "\(amqp.displayURL)", "queue": "\(queue)", "exec": "\(command)"]
        )
        // The metrics endpoint first: a group stops its services in reverse order, so it answers until
        // the worker has stopped.
        var services: [any Service] = []
        if let metricsPort {
            let registry = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: registry)
            // Task durations from milliseconds to the longest time limits.
            factory.defaultDurationHistogramBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900].map { Duration.milliseconds(Int64($0 * 1000)) }
            MetricsSystem.bootstrap(factory)
            services.append(MetricsServer(registry: registry, host: metricsHost, port: metricsPort, logger: logger))
        }
        services.append(worker)
        let escalation = SecondSignalExit()
        defer { escalation.cancel() }
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
