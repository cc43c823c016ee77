/// Where a job is in its life. Only ever moves forward: queued → running ⇄ retrying → succeeded or
/// failed (a late event never moves a finished job back).
public enum JobStatus: String, Codable, Sendable, CaseIterable {
    /// Stored and enqueued; no worker has started it yet.
    case queued
    /// A worker is delivering it.
    case running
    /// The last attempt failed; another is scheduled.
    case retrying
    /// The target answered 2xx.
    case succeeded
    /// Dead-lettered: the target refused it (4xx) or every attempt failed.
    case failed

    /// True for `succeeded` and `failed`.
    public var isFinished: Bool { self == .succeeded || self == .failed }
}

/// A webhook job as `GET /webhooks/jobs/{id}` shows it. Timestamps are ISO 8601 in UTC.
public struct Job: Codable, Sendable, Hashable {
    /// The job id; also the task's message id.
    public var jobID: String
    /// The status.
    public var status: JobStatus
    /// Attempts started so far (the highest attempt number seen).
    public var attempts: Int
    /// The error of the latest failed attempt, if any (kept after a later success).
    public var lastError: String?
    /// When the service accepted the job.
    public var createdAt: String
    /// When the first attempt started.
    public var startedAt: String?
    /// When the job succeeded or failed.
    public var finishedAt: String?
    /// Where the webhook goes.
    public var targetURL: String

    /// Creates a job record.
    public init(
        jobID: String, status: JobStatus, attempts: Int = 0, lastError: String? = nil, createdAt: String,
        startedAt: String? = nil, finishedAt: String? = nil, targetURL: String
    ) {
        self.jobID = jobID
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.targetURL = targetURL
    }

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", status, attempts, lastError = "last_error", createdAt = "created_at"
        case startedAt = "started_at", finishedAt = "finished_at", targetURL = "target_url"
    }

    /// Encodes every field, unknown ones as `null` (the API always shows all of them).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(jobID, forKey: .jobID)
        try container.encode(status, forKey: .status)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(targetURL, forKey: .targetURL)
    }
}
