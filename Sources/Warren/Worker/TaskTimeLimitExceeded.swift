/// The error an attempt fails with when its handler ran past its time limit.
public struct TaskTimeLimitExceeded: Error, Sendable, CustomStringConvertible {
    /// The limit that was exceeded.
    public let limit: Duration

    public var description: String { "the handler did not finish within its time limit of \(limit)" }
}

/// Runs `body`, cancelling it and throwing ``TaskTimeLimitExceeded`` when it runs longer than `limit`.
/// Without a limit, just runs it.
func withTimeLimit(_ limit: Duration?, _ body: @escaping @Sendable () async throws -> Void) async throws {
    guard let limit else { return try await body() }
    try await withThrowingTaskGroup(of: Bool.self) { group in
        group.addTask {
            try await body()
            return true
        }
        group.addTask {
            try await Task.sleep(for: limit)
            return false
        }
        defer { group.cancelAll() }
        guard let finished = try await group.next(), finished else {
            throw TaskTimeLimitExceeded(limit: limit)
        }
    }
}
