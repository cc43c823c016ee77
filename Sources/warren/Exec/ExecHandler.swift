import Foundation
import Warren

/// Runs a shell command for each task: the `warren worker --exec` handler.
///
/// The command runs as `/bin/sh -c COMMAND` in a process group of its own, with the task's JSON body
/// on standard input and its metadata in `WARREN_*` environment variables. Its standard output and
/// standard error go to the worker's. Exit status 0 is success; ``permanentFailureStatus`` (65,
/// `EX_DATAERR`) is a ``PermanentFailure`` (dead-lettered at once); any other status or a signal is
/// a failure that is retried. The error text carries the status and the end of its standard error.
///
/// When the handler is cancelled (time limit, shutdown grace period over) the command's process
/// group gets `SIGTERM`, then `SIGKILL` after ``killGracePeriod``; the handler returns only once the
/// command has exited.
struct ExecHandler: Sendable {
    /// The exit status that means "this task can never succeed".
    static let permanentFailureStatus: Int32 = 65
    /// The time between `SIGTERM` and `SIGKILL` when the task is cancelled.
    static let killGracePeriod: Duration = .seconds(2)
    /// How much of the command's standard error ends up in the error text.
    static let stderrTailBytes = 500
    /// How long to wait, after the command exited, for its standard error to reach end of file.
    static let stderrDrainTimeout: Duration = .seconds(1)

    /// The shell command line.
    let command: String
    /// The shell that runs it.
    var shell = "/bin/sh"
    /// The registry of running commands (for the immediate exit on a second signal).
    var running = RunningCommands.shared

    /// Runs the command for one task.
    func callAsFunction(_ body: [UInt8], _ context: TaskContext) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: shell)
        process.arguments = ["-c", command]
        process.environment = Self.environment(for: context)
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        let exit = OneShot<ExecFailure.Ending>()
        process.terminationHandler = { process in
            switch process.terminationReason {
            case .exit: exit.fulfil(.exited(process.terminationStatus))
            case .uncaughtSignal: exit.fulfil(.signalled(process.terminationStatus))
            @unknown default: exit.fulfil(.exited(process.terminationStatus))
            }
        }
        do {
            try await ProcessLauncher.run(process)
        } catch {
            // Often transient (too many processes or open files): a failed attempt, retried.
            throw CLIFailure("could not start \(shell): \(error.localizedDescription)")
        }
        // Foundation starts the child in a process group of its own, led by the shell.
        let group = process.processIdentifier
        running.insert(group)
        defer { running.remove(group) }
        let tail = StderrTail.start(reading: errors.fileHandleForReading, keeping: Self.stderrTailBytes)
        StdinFeeder.feed(body, to: input.fileHandleForWriting)

        let ending = await withTaskCancellationHandler {
            await exit.wait()
        } onCancel: {
            ProcessGroupTerminator.terminate(group: group, grace: Self.killGracePeriod)
        }
        let stoppedByWorker = Task.isCancelled
        let stderrText = await tail.text(waitingAtMost: Self.stderrDrainTimeout)
        if ending == .exited(0), !stoppedByWorker { return }
        let failure = ExecFailure(ending: ending, stoppedByWorker: stoppedByWorker, stderrTail: stderrText)
        if ending == .exited(Self.permanentFailureStatus), !stoppedByWorker {
            throw PermanentFailure(failure.description)
        }
        throw failure
    }

    /// The command's environment: the worker's, plus the task's `WARREN_*` variables.
    static func environment(for context: TaskContext) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["WARREN_TASK_NAME"] = context.taskName
        environment["WARREN_MESSAGE_ID"] = context.messageID
        environment["WARREN_ATTEMPT"] = String(context.attempt)
        environment["WARREN_MAX_ATTEMPTS"] = String(context.maxAttempts)
        environment["WARREN_REDELIVERED"] = context.redelivered ? "1" : "0"
        environment["WARREN_QUEUE"] = context.queue
        environment["WARREN_CORRELATION_ID"] = context.correlationID
        environment["WARREN_REPLAYS"] = context.headers[WarrenHeaders.replays]?.intValue.map { String($0) }
        return environment
    }
}
