import Foundation
import Logging

/// Writes one line to standard output at once, also when it is a pipe or a file.
public func printLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Sets up logging to standard error at `LOG_LEVEL` (default `info`).
public func bootstrapLogging(_ reader: EnvironmentReader) {
    let level = Logger.Level(rawValue: reader.string("LOG_LEVEL", default: "info").lowercased()) ?? .info
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
}

/// With `WEBHOOK_EXIT_WITH_STDIN=1`, ends the process as soon as its standard input closes: a test
/// (or supervisor) that holds the other end of a pipe then never leaves this process behind, even
/// when it dies itself. Off by default.
public func exitWhenStandardInputCloses(_ reader: EnvironmentReader) {
    guard reader.string("WEBHOOK_EXIT_WITH_STDIN", default: "0") == "1" else { return }
    let thread = Thread {
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            let count = read(STDIN_FILENO, &buffer, buffer.count)
            if count > 0 { continue }
            if count < 0 && errno == EINTR { continue }
            FileHandle.standardError.write(Data("standard input closed (WEBHOOK_EXIT_WITH_STDIN=1): exiting\n".utf8))
            _exit(0)
        }
    }
    thread.start()
}

/// Timestamps as the API shows them: ISO 8601 in UTC with milliseconds, e.g. `2026-11-21T17:45:03.120Z`.
public enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// The date as `2026-11-21T17:45:03.120Z`.
    public static func string(_ date: Date) -> String {
        date.formatted(style)
    }
}
