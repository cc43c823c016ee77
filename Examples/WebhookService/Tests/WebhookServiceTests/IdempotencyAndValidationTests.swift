import Foundation
import Testing
import WebhookAPI

extension EndToEnd {
    /// Idempotency keys, request validation and unknown jobs, against the real processes.
    @Suite("Idempotency and validation", .timeLimit(.minutes(2)))
    struct IdempotencyAndValidationTests {
        @Test("The same Idempotency-Key twice: the same job, 200 the second time, one delivery")
        func sameKeyTwice() async throws {
            try await Harness.run("idempotent") { harness in
                let api = try harness.api
                let key = "order-42-paid-\(UUID().uuidString)"
                let url = harness.target.url("once")
                let first = try await api.deliver(to: url, payload: ["order": 42], key: key)
                #expect(first.status == 202)
                let jobID = try #require(first.string("job_id"))
                #expect(jobID == JobID.derived(fromIdempotencyKey: key))

                let second = try await api.deliver(to: url, payload: ["order": 42], key: key)
                #expect(second.status == 200)
                #expect(second.string("job_id") == jobID)
                #expect(second.headers["idempotent-replayed"] == "true")

                let (job, _) = try await waitForFinish(jobID, api: api)
                #expect(job.status == .succeeded)
                let third = try await api.deliver(to: url, payload: ["order": 42], key: key)
                #expect(third.status == 200)
                #expect(third.string("status") == "succeeded")

                // The same key for another request is refused.
                let other = try await api.deliver(to: url, payload: ["order": 43], key: key)
                #expect(other.status == 422, "\(other.text)")
                #expect(other.string("error")?.contains("Idempotency-Key") == true)

                try await Task.sleep(for: .milliseconds(500))
                #expect(harness.target.received("once").count == 1)
            }
        }

        @Test("Ten concurrent requests with one key: one job, one 202, one delivery")
        func concurrentSameKey() async throws {
            try await Harness.run("race") { harness in
                let api = try harness.api
                let key = "race-\(UUID().uuidString)"
                let url = harness.target.url("race")
                let answers = try await withThrowingTaskGroup(of: HTTPAnswer.self) { group in
                    for _ in 0..<10 { group.addTask { try await api.deliver(to: url, payload: ["race": true], key: key) } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(Set(answers.compactMap { $0.string("job_id") }) == [JobID.derived(fromIdempotencyKey: key)])
                #expect(answers.filter { $0.status == 202 }.count == 1)
                #expect(answers.filter { $0.status == 200 }.count == 9)
                let (job, _) = try await waitForFinish(JobID.derived(fromIdempotencyKey: key), api: api)
                #expect(job.status == .succeeded)
                try await Task.sleep(for: .milliseconds(500))
                #expect(harness.target.received("race").count == 1)
            }
        }

        @Test("Bad requests get 400 with a JSON error; unknown jobs 404")
        func validationAndNotFound() async throws {
            try await Harness.run("validation", startWorker: false) { harness in
                let api = try harness.api
                let cases: [(body: String, error: String)] = [
                    ("", "empty"),
                    ("{not json", "not valid JSON"),
                    ("[1, 2]", "must be a JSON object"),
                    (#"{"payload": {}}"#, "target_url is missing"),
                    (#"{"target_url": 7, "payload": {}}"#, "target_url must be a string"),
                    (#"{"target_url": "not a url", "payload": {}}"#, "not an absolute URL"),
                    (#"{"target_url": "/relative/path", "payload": {}}"#, "not an absolute URL"),
                    (#"{"target_url": "ftp://example.com/x", "payload": {}}"#, "must use http or https"),
                    (#"{"target_url": "http://", "payload": {}}"#, "has no host"),
                    (#"{"target_url": "https://example.com/hook"}"#, "payload is missing"),
                    (#"{"target_url": "https://example.com/hook", "payload": [1]}"#, "payload must be a JSON object, not an array"),
                    (#"{"target_url": "https://example.com/hook", "payload": "text"}"#, "payload must be a JSON object, not a string"),
                ]
                for (body, expected) in cases {
                    let answer = try await api.post("/webhooks/deliver", body: Data(body.utf8))
                    #expect(answer.status == 400, "\(body) → \(answer.status) \(answer.text)")
                    #expect(answer.headers["content-type"]?.hasPrefix("application/json") == true)
                    let message = answer.string("error") ?? ""
                    #expect(message.contains(expected), "\(body) → \(message)")
                }
                let longKey = String(repeating: "k", count: 300)
                let badKey = try await api.deliver(to: "https://example.com/hook", payload: [:], key: longKey)
                #expect(badKey.status == 400)
                #expect(badKey.string("error")?.contains("Idempotency-Key") == true)

                let unknown = try await api.get("/webhooks/jobs/\(UUID().uuidString.lowercased())")
                #expect(unknown.status == 404)
                #expect(unknown.string("error")?.contains("no job") == true)
                let malformed = try await api.get("/webhooks/jobs/not-a-job")
                #expect(malformed.status == 404)
            }
        }
    }
}
