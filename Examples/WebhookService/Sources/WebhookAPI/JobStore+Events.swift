import Foundation
import SQLiteNIO
import Warren
import WebhookShared

extension JobStore {
    /// Applies one of the worker's lifecycle events to the job whose id is the event's message id.
    /// Returns false when there is no such job.
    ///
    /// Events may come late, twice, out of order, or not at all, so each update is one idempotent,
    /// monotonic SQL statement:
    /// - `task.started` (attempt n) → `running`, `task.retrying` (attempt n) → `retrying` with the
    ///   error, but only if the job has not seen a later step: each attempt's steps are ranked (start
    ///   of n = 2n, its retry = 2n + 1) and the highest rank seen is kept in `progress`.
    /// - `task.succeeded` → `succeeded` (also over `failed`: the target did get the webhook);
    ///   `task.dead-lettered` → `failed` with the error, unless the job already finished.
    /// - A finished job never moves back; `attempts` only grows (the highest attempt seen);
    ///   `started_at` keeps the first start and `finished_at` the first finish.
    @discardableResult
    public func apply(_ event: TaskEvent, now: Date = Date()) async throws -> Bool {
        let attempt = max(1, event.attempt)
        let startedAt = event.durationMilliseconds.map { event.at.addingTimeInterval(-$0 / 1000) } ?? event.at
        let rank = 2 * attempt + (event.kind == .started ? 0 : 1)
        let error = event.error ?? event.deadLetterReason.map { "dead-lettered: \($0)" } ?? "unknown error"
        let binds: [SQLiteData] = [
            .text(event.messageID), .integer(SQLiteInt64(attempt)), .text(Timestamp.string(startedAt)),
            .integer(SQLiteInt64(rank)), .text(Timestamp.string(event.at)), .text(error), .text(Timestamp.string(now)),
        ]
        let rows = try await connection.query(Self.update(for: event.kind), binds)
        return !rows.isEmpty
    }

    /// The statement for one kind of event. Binds: ?1 job id, ?2 attempt, ?3 when the attempt
    /// started, ?4 rank, ?5 when the event happened, ?6 error, ?7 now. In SQLite every expression of
    /// an UPDATE sees the row as it was before the update.
    private static func update(for kind: TaskEvent.Kind) -> String {
        let finished = "status IN ('succeeded', 'failed')"
        let assignments: String
        switch kind {
        case .started:
            assignments = """
                status      = CASE WHEN \(finished) OR progress >= ?4 THEN status ELSE 'running' END,
                progress    = CASE WHEN \(finished) THEN progress ELSE MAX(progress, ?4) END
                """
        case .retrying:
            assignments = """
                status      = CASE WHEN \(finished) OR progress > ?4 THEN status ELSE 'retrying' END,
                last_error  = CASE WHEN \(finished) OR progress > ?4 THEN last_error ELSE ?6 END,
                progress    = CASE WHEN \(finished) THEN progress ELSE MAX(progress, ?4) END
                """
        case .succeeded:
            assignments = """
                status      = 'succeeded',
                finished_at = CASE WHEN status = 'succeeded' THEN finished_at ELSE ?5 END,
                progress    = MAX(progress, ?4)
                """
        case .deadLettered:
            assignments = """
                status      = CASE WHEN status = 'succeeded' THEN status ELSE 'failed' END,
                last_error  = CASE WHEN \(finished) THEN last_error ELSE ?6 END,
                finished_at = CASE WHEN \(finished) THEN finished_at ELSE ?5 END,
                progress    = MAX(progress, ?4)
                """
        }
        return """
            UPDATE jobs SET
                attempts    = MAX(attempts, ?2),
                started_at  = COALESCE(started_at, ?3),
                \(assignments),
                updated_at  = ?7
            WHERE job_id = ?1
            RETURNING job_id
            """
    }
}
