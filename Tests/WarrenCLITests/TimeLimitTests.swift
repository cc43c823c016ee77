import Foundation
import Testing
import Warren

/// `warren worker --time-limit`: a command over its limit is killed, with its children.
@Suite("warren worker --time-limit", .timeLimit(.minutes(1)))
struct TimeLimitTests {
    @Test("a command over the time limit is killed (process group gone) and the attempt counts as failed")
    func timeLimitKills() async throws {
        try await TestScope.run("timelimit") { scope in
            try await scope.declareQueue()
            try await scope.enqueue()
            // The shell waits for a background sleep: both are in the command's process group.
            let worker = try scope.startWorker(
                exec: "\(scope.recordGroupSnippet); sleep 30 & wait",
                ["--time-limit", "1", "--max-attempts", "2", "--initial-delay", "0.1"]
            )
            // The clock starts with the first attempt (its command records its group first thing), not
            // with the worker's start-up, which took seconds with the whole suite on two cores.
            #expect(await eventually(within: .seconds(20)) { !scope.recordedGroups.isEmpty })
            let started = ContinuousClock.now
            #expect(try await eventually(within: .seconds(20)) { try await scope.depth(scope.deadQueue) == 1 })
            let elapsed = ContinuousClock.now - started
            // Two attempts of 1 s each and the retry delay, about 2.2 s: SIGTERM ends the command at
            // once (about 6.2 s would mean it ignored SIGTERM and waited for the SIGKILL 2 s later, twice).
            #expect(elapsed < .seconds(5), "elapsed: \(elapsed)")
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit(within: .seconds(10)) == 0)

            let dead = try #require(try await scope.peek(scope.deadQueue).first)
            let headers = try #require(dead.properties.headers)
            #expect(headers[WarrenHeaders.attempt]?.intValue == 2)
            #expect(headers[WarrenHeaders.deadReason]?.stringValue == "max-attempts-exceeded")
            #expect(headers[WarrenHeaders.lastError]?.stringValue?.contains("time limit") == true)
            let groups = scope.recordedGroups
            #expect(groups.count == 2)
            for group in groups {
                #expect(ProcessTable.livingMembers(ofGroup: group).isEmpty, "process group \(group) still has members")
            }
        }
    }
}
