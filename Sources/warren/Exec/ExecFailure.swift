/// A command that did not succeed: how it ended and the end of what it wrote on standard error.
struct ExecFailure: Error, Sendable, CustomStringConvertible {
    /// How the command ended.
    enum Ending: Sendable, Equatable {
        /// It exited with this status.
        case exited(Int32)
        /// A signal killed it.
        case signalled(Int32)
    }

    /// How the command ended.
    let ending: Ending
    /// Whether the worker stopped it (time limit or shutdown) rather than it ending by itself.
    let stoppedByWorker: Bool
    /// The last bytes of its standard error, trimmed.
    let stderrTail: String

    var description: String {
        var text: String
        switch ending {
        case .exited(let status): text = "command exited with status \(status)"
        case .signalled(let signal): text = "command was killed by signal \(signal) (\(Self.signalName(signal)))"
        }
        if stoppedByWorker { text += " after the worker stopped it" }
        if !stderrTail.isEmpty { text += "; stderr: " + stderrTail }
        return text
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case 1: "SIGHUP"
        case 2: "SIGINT"
        case 3: "SIGQUIT"
        case 6: "SIGABRT"
        case 9: "SIGKILL"
        case 11: "SIGSEGV"
        case 13: "SIGPIPE"
        case 15: "SIGTERM"
        default: "signal \(signal)"
        }
    }
}
