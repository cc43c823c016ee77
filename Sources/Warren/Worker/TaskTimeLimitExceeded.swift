/// The error an attempt fails with when its handler ran past its time limit.
public struct TaskTimeLimitExceeded: Error, Sendable, CustomStringConvertible {
    /// The limit that was exceeded.
    public let limit: Duration
    /// What the handler threw when it was cancelled, if anything but `CancellationError` (e.g. the
    /// output of a killed command).
    public let handlerError: (any Error)?

    public var description: String {
        let base = "the handler did not finish within its time limit of \(limit)"
        return handlerError.map { "\(base); when stopped it reported: \($0)" } ?? base
    }
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
        guard let finished = try await group.next(), !finished else { return }
        // Time is up: stop the handler and keep what it says on its way out.
        group.cancelAll()
        var handlerError: (any Error)?
        do {
            _ = try await group.next()
        } catch is CancellationError {
        } catch {
            handlerError = error
        }
        throw TaskTimeLimitExceeded(limit: limit, handlerError: handlerError)
    }
}
