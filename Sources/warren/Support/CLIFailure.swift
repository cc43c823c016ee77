/// A failure the tool reports as one line on standard error before exiting with `exitCode`.
struct CLIFailure: Error, CustomStringConvertible {
    /// The line to print (without the `warren: ` prefix).
    var message: String
    /// The process exit status: 1 for failures, 64 for bad input (`EX_USAGE`).
    var exitCode: Int32

    /// A runtime failure (exit status 1).
    init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    /// Bad input given on the command line or on standard input (exit status 64).
    static func usage(_ message: String) -> CLIFailure {
        CLIFailure(message, exitCode: 64)
    }

    var description: String { message }
}
