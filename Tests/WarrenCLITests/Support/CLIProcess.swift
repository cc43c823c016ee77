import Foundation
import Synchronization

/// A `warren` process started by a test, its output captured in files. Every instance is killed
/// (SIGKILL) by its ``TestScope`` if the test did not end it, so none outlives the test.
final class CLIProcess: Sendable {
    /// The process id.
    let pid: Int32
    private let process: Process
    private let stdoutURL: URL
    private let stderrURL: URL
    let arguments: [String]

    /// Starts `warren ARGUMENTS` with `environment` added to the test's, standard input from
    /// `stdin` (or empty).
    init(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil, directory: URL) throws {
        let id = UUID().uuidString.prefix(8)
        stdoutURL = directory.appendingPathComponent("warren-\(id).out")
        stderrURL = directory.appendingPathComponent("warren-\(id).err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let process = Process()
        process.executableURL = WarrenBinary.url
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        if let stdin {
            let input = directory.appendingPathComponent("warren-\(id).in")
            try Data(stdin.utf8).write(to: input)
            process.standardInput = try FileHandle(forReadingFrom: input)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try Self.launchWithCleanSignalMask(process)
        self.process = process
        self.pid = process.processIdentifier
        self.arguments = arguments
    }

    /// Starts `process` from a fresh thread with no blocked signals, as a shell would start it: a
    /// child inherits the signal mask of the thread that spawns it, and the threads running async
    /// tests on Linux block most signals.
    private static func launchWithCleanSignalMask(_ process: Process) throws {
        let done = DispatchSemaphore(value: 0)
        let failure = Mutex<(any Error)?>(nil)
        let thread = Thread {
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            do { try process.run() } catch { failure.withLock { $0 = error } }
            done.signal()
        }
        thread.start()
        done.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Whether it still runs.
    var isRunning: Bool { process.isRunning }

    /// Sends a signal.
    func signal(_ signal: Int32) {
        if process.isRunning { kill(pid, signal) }
    }

    /// Kills it with SIGKILL if it still runs (synchronous: usable from `defer`).
    func killIfRunning() {
        if process.isRunning { kill(pid, SIGKILL) }
    }

    /// Waits at most `limit` for it to exit; returns its exit status (128 + signal for a signal),
    /// or nil when it was still running (then it is killed).
    @discardableResult
    func waitForExit(within limit: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                killIfRunning()
                process.waitUntilExit()
                return nil
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Everything it wrote on standard output so far.
    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    /// Everything it wrote on standard error so far.
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
}

/// The outcome of a `warren` run to completion.
struct CLIResult: Sendable, CustomStringConvertible {
    /// The exit status, nil when it had to be killed after its time limit.
    let status: Int32?
    let stdout: String
    let stderr: String

    /// Standard error's non-empty lines.
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }

    var description: String { "status \(status.map(String.init) ?? "timeout"); stdout: \(stdout); stderr: \(stderr)" }
}
