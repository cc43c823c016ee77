import Foundation
import Testing
import WebhookAPI

extension EndToEnd {
    /// The service and a worker as processes, against the test's own target server: 202 at once,
    /// statuses from the worker's events, retries, refusals.
    @Suite("Delivery", .timeLimit(.minutes(2)))
    struct DeliveryTests {
        /// Quick retries and a short POST time limit, so failing paths finish in seconds.
        static let fastRetries = ["WEBHOOK_MAX_ATTEMPTS": "3", "WEBHOOK_INITIAL_DELAY_MS": "100", "WEBHOOK_TIMEOUT_MS": "1000"]

        @Test("202 well before the delivery; queued → running → succeeded; the target gets the payload")
        func acceptsAtOnceThenDelivers() async throws {
            try await Harness.run("deliver") { harness in
                let api = try harness.api
                harness.target.plan("slow", [.delayed(.milliseconds(500), status: 200)])
                let payload: [String: any Sendable] = ["event": "order.paid", "order": 42, "items": ["a", "b"], "total": 12.5]
                let (answer, elapsed) = try await measure {
                    try await api.deliver(to: harness.target.url("slow"), payload: payload)
                }
                #expect(answer.status == 202, "\(answer.text)")
                #expect(elapsed < .milliseconds(200), "POST took \(elapsed.milliseconds) ms")
                #expect(answer.string("status") == "queued")
                let jobID = try #require(answer.string("job_id"))
                #expect(answer.headers["location"] == "/webhooks/jobs/\(jobID)")

                let (job, seen) = try await waitForFinish(jobID, api: api)
                print("[deliver] POST answered 202 in \(Int(elapsed.milliseconds)) ms; statuses seen: \(seen.joined(separator: " → "))")
                #expect(seen == ["queued", "running", "succeeded"])
                #expect(job.status == .succeeded)
                #expect(job.attempts == 1)
                #expect(job.lastError == nil)
                #expect(job.targetURL == harness.target.url("slow"))
                let startedAt = try #require(job.startedAt)
                let finishedAt = try #require(job.finishedAt)
                #expect(job.createdAt <= startedAt && startedAt <= finishedAt)
                let took = try #require(seconds(from: job.createdAt, to: finishedAt))
                #expect(took >= 0.5, "the delivery itself takes the target's 500 ms")

                let received = harness.target.received("slow")
                try #require(received.count == 1)
                #expect(received[0].json["event"] as? String == "order.paid")
                #expect(received[0].json["order"] as? Int == 42)
                #expect(received[0].json["items"] as? [String] == ["a", "b"])
                #expect(received[0].json["total"] as? Double == 12.5)
                #expect(received[0].contentType == "application/json")
                #expect(received[0].jobID == jobID)
                #expect(received[0].attempt == "1")
            }
        }

        @Test("A target that keeps answering 500 is retried, then the job is failed with the error")
        func failingTargetEndsFailed() async throws {
            try await Harness.run("failing", worker: Self.fastRetries) { harness in
                let api = try harness.api
                harness.target.plan("down", Array(repeating: .status(500), count: 10))
                let answer = try await api.deliver(to: harness.target.url("down"), payload: ["n": 1])
                let jobID = try #require(answer.string("job_id"))

                let (job, seen) = try await waitForFinish(jobID, api: api)
                print("[failing] statuses seen: \(seen.joined(separator: " → ")); last_error: \(job.lastError ?? "nil")")
                #expect(job.status == .failed)
                #expect(job.attempts == 3)
                #expect(job.lastError?.contains("HTTP 500") == true, "\(job.lastError ?? "nil")")
                #expect(job.finishedAt != nil)
                #expect(seen.contains("retrying"))
                #expect(harness.target.received("down").count == 3)
                // Dead-lettered: the message waits in the dead-letter queue for an operator.
                let dead = try await eventually("the dead letter") { try await harness.depth(harness.taskQueue + ".dead").flatMap { $0 > 0 ? $0 : nil } }
                #expect(dead == 1)
            }
        }

        @Test("503, then a timeout, then 200: retried with back-off and succeeded on the third attempt")
        func retriesUntilDelivered() async throws {
            try await Harness.run("retries", worker: Self.fastRetries) { harness in
                let api = try harness.api
                harness.target.plan("flaky", [.status(503), .delayed(.seconds(2), status: 200), .status(200)])
                let answer = try await api.deliver(to: harness.target.url("flaky"), payload: ["n": 2])
                let jobID = try #require(answer.string("job_id"))

                let (job, seen) = try await waitForFinish(jobID, api: api)
                print("[retries] statuses seen: \(seen.joined(separator: " → ")); last_error: \(job.lastError ?? "nil")")
                #expect(job.status == .succeeded)
                #expect(job.attempts == 3)
                // The last failure stays visible after the success.
                #expect(job.lastError?.contains("no answer") == true, "\(job.lastError ?? "nil")")
                let received = harness.target.received("flaky")
                #expect(received.map(\.attempt) == ["1", "2", "3"])
                #expect(Set(received.map(\.jobID)) == [jobID])
            }
        }

        @Test("404 and redirects are dead-lettered at once (no retry); 429 is retried")
        func refusalsAndThrottling() async throws {
            try await Harness.run("refused", worker: Self.fastRetries) { harness in
                let api = try harness.api
                harness.target.plan("gone", [.status(404)])
                harness.target.plan("busy", [.status(429)])
                harness.target.plan("moved", [.redirect(harness.target.url("elsewhere"))])
                let gone = try #require(try await api.deliver(to: harness.target.url("gone"), payload: ["n": 3]).string("job_id"))
                let busy = try #require(try await api.deliver(to: harness.target.url("busy"), payload: ["n": 4]).string("job_id"))
                let moved = try #require(try await api.deliver(to: harness.target.url("moved"), payload: ["n": 5]).string("job_id"))

                let (refused, _) = try await waitForFinish(gone, api: api)
                #expect(refused.status == .failed)
                #expect(refused.attempts == 1)
                #expect(refused.lastError?.contains("HTTP 404") == true, "\(refused.lastError ?? "nil")")
                let (throttled, _) = try await waitForFinish(busy, api: api)
                #expect(throttled.status == .succeeded)
                #expect(throttled.attempts == 2)
                let (redirected, _) = try await waitForFinish(moved, api: api)
                #expect(redirected.status == .failed)
                #expect(redirected.attempts == 1)
                #expect(redirected.lastError?.contains("HTTP 307") == true, "\(redirected.lastError ?? "nil")")
                try await Task.sleep(for: .milliseconds(300))
                #expect(harness.target.received("elsewhere").isEmpty, "redirects are not followed")
                #expect(harness.target.received("gone").count == 1)
                #expect(harness.target.received("busy").count == 2)
            }
        }
    }
}

/// Polls the job every 10 ms until it is finished; returns it and the statuses seen in order
/// (starting with the `queued` of the 202).
func waitForFinish(_ jobID: String, api: APIClient, within limit: Duration = .seconds(20)) async throws -> (Job, [String]) {
    var seen = ["queued"]
    let job = try await eventually("job \(jobID) to finish", within: limit, every: .milliseconds(10)) { () -> Job? in
        guard let job = try await api.job(jobID) else { return nil }
        if job.status.rawValue != seen.last { seen.append(job.status.rawValue) }
        return job.status.isFinished ? job : nil
    }
    return (job, seen)
}

/// Seconds between two API timestamps.
func seconds(from start: String, to end: String) -> Double? {
    let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    guard let start = try? Date(start, strategy: style), let end = try? Date(end, strategy: style) else { return nil }
    return end.timeIntervalSince(start)
}
