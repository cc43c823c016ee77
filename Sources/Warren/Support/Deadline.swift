/// Runs `operation` for at most `limit`. Returns what it returned, or false when the time ran out
/// first; the operation is then cancelled.
func succeeds(within limit: Duration, _ operation: @escaping @Sendable () async -> Bool) async -> Bool {
    await withTaskGroup(of: Bool.self) { group in
        group.addTask { await operation() }
        group.addTask {
            try? await Task.sleep(for: limit)
            return false
        }
        let first = await group.next() ?? false
        group.cancelAll()
        return first
    }
}
