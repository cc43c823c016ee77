/// Runs `body`, throwing ``TimeLimitExceeded`` if it takes longer than `limit` (and cancelling it).
public func withTimeLimit<Result: Sendable>(
    _ limit: Duration,
    _ what: String,
    _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else {
            throw TimeLimitExceeded(what: what, limit: limit)
        }
        return result
    }
}

/// Polls `condition` every 10 ms until it holds, throwing ``TimeLimitExceeded`` after `limit`.
public func waitUntil(
    _ what: String,
    within limit: Duration = .seconds(15),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TimeLimitExceeded(what: what, limit: limit) }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// Something a test waited for did not happen in time.
public struct TimeLimitExceeded: Error, CustomStringConvertible {
    public var what: String
    public var limit: Duration

    public init(what: String, limit: Duration) {
        self.what = what
        self.limit = limit
    }

    public var description: String { "\(what) did not happen within \(limit)" }
}

/// A name no other test uses: `warren-test-<what>-<random>`.
public func uniqueName(_ what: String) -> String {
    "warren-test-\(what)-\(UInt32.random(in: 0...UInt32.max))"
}
