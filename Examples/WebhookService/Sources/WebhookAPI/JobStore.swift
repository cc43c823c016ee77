import Foundation
import Logging
import SQLiteNIO
import WebhookShared

/// The jobs, in one SQLite file that outlives the service's restarts.
///
/// One connection, WAL journal, `synchronous=FULL`: a job the service answered 202 for is on disk.
/// The idempotency key is a `UNIQUE` column and the job id (derived from it) the primary key, so two
/// requests racing with one key create one job: the loser's `INSERT … ON CONFLICT DO NOTHING` inserts
/// nothing and it reads the winner's row instead.
public final class JobStore: Sendable {
    /// What ``create(jobID:idempotencyKey:request:now:)`` did.
    public enum Creation: Sendable, Hashable {
        /// A new job: enqueue its task.
        case created(Job)
        /// The idempotency key names an existing job; `sameRequest` tells whether it was created with
        /// the same target and payload.
        case existing(Job, sameRequest: Bool)
    }

    let connection: SQLiteConnection
    let logger: Logger

    private init(connection: SQLiteConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Opens (creating if needed) the store at `path`.
    public static func open(path: String, logger: Logger) async throws -> JobStore {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        do {
            for statement in schema { _ = try await connection.query(statement) }
        } catch {
            try? await connection.close()
            throw error
        }
        return JobStore(connection: connection, logger: logger)
    }

    /// Closes the database.
    public func close() async {
        do { try await connection.close() } catch { logger.warning("closing the job store failed", metadata: ["error": "\(error)"]) }
    }

    private static let schema = [
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = FULL",
        "PRAGMA busy_timeout = 5000",
        """
        CREATE TABLE IF NOT EXISTS jobs (
            job_id          TEXT PRIMARY KEY,
            idempotency_key TEXT UNIQUE,
            target_url      TEXT NOT NULL,
            payload         TEXT NOT NULL,
            status          TEXT NOT NULL DEFAULT 'queued'
                            CHECK (status IN ('queued', 'running', 'retrying', 'succeeded', 'failed')),
            progress        INTEGER NOT NULL DEFAULT 0,
            attempts        INTEGER NOT NULL DEFAULT 0,
            last_error      TEXT,
            created_at      TEXT NOT NULL,
            started_at      TEXT,
            finished_at     TEXT,
            updated_at      TEXT NOT NULL
        ) STRICT
        """,
    ]

    /// Stores a new `queued` job, or finds the one its idempotency key already names.
    public func create(jobID: String, idempotencyKey: String?, request: DeliverRequest, now: Date = Date()) async throws -> Creation {
        let payload = String(decoding: try request.payload.canonicalJSON(), as: UTF8.self)
        let createdAt = Timestamp.string(now)
        let keyData: SQLiteData = idempotencyKey.map { .text($0) } ?? .null
        // A concurrent rollback (its publish failed) can delete the row between the two statements:
        // then try again.
        for _ in 0..<3 {
            let inserted = try await connection.query(
                """
                INSERT INTO jobs (job_id, idempotency_key, target_url, payload, status, created_at, updated_at)
                VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?5)
                ON CONFLICT DO NOTHING
                RETURNING job_id
                """,
                [.text(jobID), keyData, .text(request.targetURL), .text(payload), .text(createdAt)]
            )
            if !inserted.isEmpty {
                return .created(Job(jobID: jobID, status: .queued, createdAt: createdAt, targetURL: request.targetURL))
            }
            let rows = try await connection.query(
                "SELECT * FROM jobs WHERE job_id = ?1 OR idempotency_key = ?2 LIMIT 1",
                [.text(jobID), keyData]
            )
            if let row = rows.first, let job = Self.job(from: row) {
                let same = row.column("target_url")?.string == request.targetURL && row.column("payload")?.string == payload
                return .existing(job, sameRequest: same)
            }
        }
        throw StoreError("job \(jobID) was created and removed concurrently; try again")
    }

    /// The job with this id, or nil.
    public func job(_ id: String) async throws -> Job? {
        let rows = try await connection.query("SELECT * FROM jobs WHERE job_id = ?1", [.text(id)])
        return rows.first.flatMap(Self.job(from:))
    }

    /// Removes a job that never made it into the queue (its publish failed), so that the client can
    /// try again with the same idempotency key.
    public func delete(_ id: String) async throws {
        _ = try await connection.query("DELETE FROM jobs WHERE job_id = ?1 AND status = 'queued'", [.text(id)])
    }

    static func job(from row: SQLiteRow) -> Job? {
        guard let id = row.column("job_id")?.string,
            let status = row.column("status")?.string.flatMap(JobStatus.init(rawValue:)),
            let createdAt = row.column("created_at")?.string,
            let targetURL = row.column("target_url")?.string
        else { return nil }
        return Job(
            jobID: id,
            status: status,
            attempts: row.column("attempts")?.integer.map { Int($0) } ?? 0,
            lastError: row.column("last_error")?.string,
            createdAt: createdAt,
            startedAt: row.column("started_at")?.string,
            finishedAt: row.column("finished_at")?.string,
            targetURL: targetURL
        )
    }
}

/// The store could not do what was asked.
public struct StoreError: Error, CustomStringConvertible {
    /// What went wrong.
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
