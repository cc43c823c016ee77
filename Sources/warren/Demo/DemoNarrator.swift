import Foundation

/// Prints the demo's story on standard output, each line stamped with the time since the start.
struct DemoNarrator: Sendable {
    private let start = ContinuousClock.now

    /// Prints a stamped line.
    func say(_ line: String) {
        let elapsed = (ContinuousClock.now - start).secondsValue
        Console.out(String(format: "%6.2fs  ", elapsed) + line)
    }

    /// Prints an unstamped line (headings, tables).
    func plain(_ line: String) {
        Console.out(line)
    }
}
