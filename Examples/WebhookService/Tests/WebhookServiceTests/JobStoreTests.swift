import Foundation
import Logging
import Testing
import Warren
@testable import WebhookAPI
import WebhookShared

/// The SQLite store on its own: idempotent creation and monotonic, idempotent event updates.
@Suite("JobStore")
struct JobStoreTests {
    let request = DeliverRequest(targetURL: "https://example.com/hook", payload: .object(["a": .integer(1)]))

    /// Runs `body` with a store in a fresh temporary file, removed afterwards.
    func withStore(_ body: (JobStore, String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jobstore-\(UUID().uuidString)")
        let path = directory.appendingPathComponent("jobs.sqlite").path
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await JobStore.open(path: path, logger: Logger(label: "test"))
        do {
            try await body(store, path)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    func event(_ kind: TaskEvent.Kind, _ id: String, attempt: Int, error: String? = nil, at: Date = Date()) -> TaskEvent {
        TaskEvent(
            kind: kind, task: DeliverWebhook.name, messageID: id, queue: "q", attempt: attempt, maxAttempts: 3, at: at,
            durationMilliseconds: kind == .started ? nil : 5, error: error, worker: "test"
        )
    }

    @Test("One idempotency key, one job; the same key with another request is told apart")
    func creation() async throws {
        try await withStore { store, _ in
            let id = JobID.derived(fromIdempotencyKey: "k")
            guard case .created(let job) = try await store.create(jobID: id, idempotencyKey: "k", request: request) else {
                Issue.record("not created")
                return
            }
            #expect(job.status == .queued)
            #expect(try await store.create(jobID: id, idempotencyKey: "k", request: request) == .existing(job, sameRequest: true))
            var other = request
            other.payload = .object(["a": .integer(2)])
            #expect(try await store.create(jobID: id, idempotencyKey: "k", request: other) == .existing(job, sameRequest: false))
            #expect(try await store.job(id) == job)
        }
    }

    @Test("Events move a job forward only; late and repeated events change nothing")
    func monotonicEvents() async throws {
        try await withStore { store, _ in
            let id = JobID.random()
            _ = try await store.create(jobID: id, idempotencyKey: nil, request: request)
            #expect(try await store.apply(event(.started, id, attempt: 1)))
            #expect(try await store.job(id)?.status == .running)
            let firstStart = try await store.job(id)?.startedAt

            try await store.apply(event(.retrying, id, attempt: 1, error: "HTTP 500"))
            try await store.apply(event(.started, id, attempt: 1))  // late duplicate
            var job = try #require(try await store.job(id))
            #expect(job.status == .retrying)
            #expect(job.lastError == "HTTP 500")

            try await store.apply(event(.started, id, attempt: 2))
            try await store.apply(event(.retrying, id, attempt: 1, error: "stale"))  // late
            job = try #require(try await store.job(id))
            #expect(job.status == .running)
            #expect(job.attempts == 2)
            #expect(job.lastError == "HTTP 500")
            #expect(job.startedAt == firstStart)

            try await store.apply(event(.succeeded, id, attempt: 2))
            let finished = try #require(try await store.job(id))
            #expect(finished.status == .succeeded)
            #expect(finished.finishedAt != nil)
            for late in [event(.started, id, attempt: 2), event(.retrying, id, attempt: 2, error: "late"),
                         event(.deadLettered, id, attempt: 2, error: "late"), event(.succeeded, id, attempt: 2)] {
                try await store.apply(late)
            }
            #expect(try await store.job(id) == finished)
        }
    }

    @Test("Dead-lettered → failed with the error; a later success wins (the target got it)")
    func failedThenSucceeded() async throws {
        try await withStore { store, _ in
            let id = JobID.random()
            _ = try await store.create(jobID: id, idempotencyKey: nil, request: request)
            // The started event was dropped: the dead letter alone still tells the story.
            try await store.apply(event(.deadLettered, id, attempt: 3, error: "HTTP 500"))
            var job = try #require(try await store.job(id))
            #expect(job.status == .failed)
            #expect(job.attempts == 3)
            #expect(job.lastError == "HTTP 500")
            #expect(job.startedAt != nil)
            try await store.apply(event(.started, id, attempt: 4))
            #expect(try await store.job(id)?.status == .failed)
            try await store.apply(event(.succeeded, id, attempt: 4))
            job = try #require(try await store.job(id))
            #expect(job.status == .succeeded)
            #expect(job.attempts == 4)
        }
    }

    @Test("Events for unknown jobs are reported; the file keeps everything across reopening")
    func unknownAndReopen() async throws {
        try await withStore { store, path in
            #expect(try await store.apply(event(.started, JobID.random(), attempt: 1)) == false)
            let id = JobID.random()
            _ = try await store.create(jobID: id, idempotencyKey: nil, request: request)
            try await store.apply(event(.succeeded, id, attempt: 1))
            let reopened = try await JobStore.open(path: path, logger: Logger(label: "test"))
            #expect(try await reopened.job(id)?.status == .succeeded)
            await reopened.close()
        }
    }
}
