import ArgumentParser
import Logging

/// Sets up swift-log for the tool: log lines go to standard error, never standard output.
enum CLILogging {
    /// Bootstraps swift-log once for the process, at `level`.
    static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
