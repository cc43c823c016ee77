import Foundation
import Testing
import WebhookAPI

extension EndToEnd {
    /// Processes dying and restarting: nothing accepted is lost.
    @Suite("Restarts", .timeLimit(.minutes(2)))
    struct RestartTests {
        @Test("A worker SIGKILLed mid-delivery: a new worker delivers again and the job succeeds")
        func workerKilledMidDelivery() async throws {
            try await Harness.run("worker-kill") { harness in
                let api = try harness.api
                harness.target.plan("held", [.hold])
                let answer = try await api.deliver(to: harness.target.url("held"), payload: ["important": true])
                let jobID = try #require(answer.string("job_id"))
                _ = try await eventually("the target to hold the first delivery") { harness.target.received("held").isEmpty ? nil : true }
                let running = try await eventually("the job to show running") { try await api.job(jobID)?.status == .running ? true : nil }
                #expect(running)

                let first = try #require(harness.workers.first)
                first.kill()
                _ = try await eventually("the broker to drop the dead consumer") { try await harness.consumerCount() == 0 ? true : nil }
                try await harness.startWorker()

                let (job, seen) = try await waitForFinish(jobID, api: api)
                let received = harness.target.received("held")
                print("[worker-kill] statuses seen: \(seen.joined(separator: " → ")); the target received the payload \(received.count) time(s) (\(received.count - 1) duplicate(s))")
                #expect(job.status == .succeeded)
                #expect(received.count >= 2)
                #expect(Set(received.map(\.jobID)) == [jobID])
                #expect(Set(received.map(\.body)).count == 1, "every delivery carries the same payload")
                #expect(received.last?.json["important"] as? Bool == true)
            }
        }

        @Test("The web service restarted: statuses kept (SQLite), events sent meanwhile applied, keys remembered")
        func serviceRestartKeepsStatuses() async throws {
            try await Harness.run("service-restart") { harness in
                var api = try harness.api
                let done = try #require(try await api.deliver(to: harness.target.url("fast"), payload: ["n": 1], key: "restart-fast").string("job_id"))
                let (before, _) = try await waitForFinish(done, api: api)
                #expect(before.status == .succeeded)

                harness.target.plan("held", [.hold])
                let pending = try #require(try await api.deliver(to: harness.target.url("held"), payload: ["n": 2]).string("job_id"))
                _ = try await eventually("the target to hold the delivery") { harness.target.received("held").isEmpty ? nil : true }

                let graceful = await harness.stopService()
                #expect(graceful, "SIGTERM stops the service gracefully")
                // While the service is down the delivery finishes; its events wait in the service's queue.
                harness.target.release("held")
                _ = try await eventually("the succeeded event to wait in the events queue") {
                    try await harness.depth(harness.eventsQueue).flatMap { $0 > 0 ? true : nil }
                }

                try await harness.startService()
                api = try harness.api
                #expect(try await api.job(done) == before)
                let (after, _) = try await waitForFinish(pending, api: api)
                #expect(after.status == .succeeded)
                let again = try await api.deliver(to: harness.target.url("fast"), payload: ["n": 1], key: "restart-fast")
                #expect(again.status == 200)
                #expect(again.string("job_id") == done)
                #expect(harness.target.received("fast").count == 1)
            }
        }
    }
}
