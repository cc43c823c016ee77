import Foundation

/// Polls `condition` every 50 ms until it holds or `limit` passes; returns whether it held.
func eventually(within limit: Duration, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + limit
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(50))
    }
}

/// The lines of a file a test's command appends to (empty when it does not exist yet).
func lines(of url: URL) -> [String] {
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").map(String.init)
}
