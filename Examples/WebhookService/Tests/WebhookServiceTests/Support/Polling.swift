import Foundation

/// A wait that ran out of time.
struct TimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Calls `check` every `interval` until it returns a value, for at most `limit`.
func eventually<Value>(
    _ what: String,
    within limit: Duration = .seconds(15),
    every interval: Duration = .milliseconds(20),
    _ check: () async throws -> Value?
) async throws -> Value {
    let deadline = ContinuousClock.now + limit
    while true {
        if let value = try await check() { return value }
        guard ContinuousClock.now < deadline else { throw TimedOut(description: "timed out after \(limit) waiting for \(what)") }
        try await Task.sleep(for: interval)
    }
}

/// How long `body` took, and what it returned.
func measure<Value>(_ body: () async throws -> Value) async rethrows -> (Value, Duration) {
    let start = ContinuousClock.now
    let value = try await body()
    return (value, ContinuousClock.now - start)
}

extension Duration {
    /// In milliseconds, for messages.
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
