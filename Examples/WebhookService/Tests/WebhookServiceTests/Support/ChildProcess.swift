import Foundation
import Synchronization

/// An executable of this package run by a test, its output going to files.
///
/// Its standard input is a pipe the test holds, and `WEBHOOK_EXIT_WITH_STDIN=1` makes it exit when
/// that pipe closes: if the test process dies, its children follow. ``stop()`` and ``kill()`` end
/// it on the normal paths.
final class ChildProcess: Sendable {
    /// The product's name, e.g. `webhook-service`.
    let name: String
    /// The process id.
    let pid: Int32
    private let process: Process
    private let stdinPipe: Pipe
    let stdoutURL: URL
    let stderrURL: URL

    /// Starts the built product `name` with `arguments` and `environment` added to the test's.
    init(_ name: String, arguments: [String] = [], environment: [String: String], directory: URL) throws {
        self.name = name
        let tag = "\(name)-\(UUID().uuidString.prefix(6))"
        stdoutURL = directory.appendingPathComponent("\(tag).out")
        stderrURL = directory.appendingPathComponent("\(tag).err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let process = Process()
        process.executableURL = Self.productURL(name)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged["WEBHOOK_EXIT_WITH_STDIN"] = "1"
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        stdinPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try Self.launchWithCleanSignalMask(process)
        self.process = process
        self.pid = process.processIdentifier
    }

    /// Whether it still runs.
    var isRunning: Bool { process.isRunning }

    /// Everything it wrote on standard output so far.
    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    /// Everything it wrote on standard error so far.
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// SIGKILL at once, then reap it.
    func kill() {
        if process.isRunning { Foundation.kill(pid, SIGKILL) }
        process.waitUntilExit()
        try? stdinPipe.fileHandleForWriting.close()
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`. Returns true when it exited by itself.
    @discardableResult
    func stop(grace: Duration = .seconds(10)) async -> Bool {
        if process.isRunning { Foundation.kill(pid, SIGTERM) }
        let deadline = ContinuousClock.now + grace
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let graceful = !process.isRunning
        kill()
        return graceful
    }

    /// The executable beside the test bundle (`swift test` builds it: the test target depends on it).
    static func productURL(_ name: String) -> URL {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return bundleDirectory.appendingPathComponent(name)
    }

    /// Starts `process` from a fresh thread with no blocked signals: a child inherits the signal mask
    /// of the thread that spawns it, and the threads running async tests on Linux block most signals
    /// (the child would then ignore SIGTERM).
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
}
