import ArgumentParser

/// A subcommand whose failures are printed as one line on standard error (`warren: …`) with a
/// non-zero exit status, never as a Swift error dump. Implement ``execute()`` instead of `run()`.
protocol ReportingCommand: AsyncParsableCommand {
    /// The command's work.
    mutating func execute() async throws
}

extension ReportingCommand {
    mutating func run() async throws {
        do {
            try await execute()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Console.error("warren: " + ErrorReport.line(for: error))
            throw ExitCode(ErrorReport.exitCode(for: error))
        }
    }
}
