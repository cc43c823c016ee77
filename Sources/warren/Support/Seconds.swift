import ArgumentParser

/// A command-line duration in seconds, fractions allowed (`0.5`, `30`).
struct Seconds: ExpressibleByArgument, Sendable, CustomStringConvertible {
    /// The duration.
    let duration: Duration
    private let text: String

    /// A duration of `seconds` (for defaults).
    init(_ seconds: Double) {
        duration = .milliseconds(Int64((seconds * 1000).rounded()))
        text = seconds.rounded() == seconds ? String(Int64(seconds)) : String(seconds)
    }

    init?(argument: String) {
        guard let value = Double(argument), value.isFinite, value >= 0, value <= 10_000_000 else { return nil }
        duration = .milliseconds(Int64((value * 1000).rounded()))
        text = argument
    }

    var description: String { text }
}
