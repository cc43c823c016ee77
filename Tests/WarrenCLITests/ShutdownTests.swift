import Foundation
import Testing
import Warren

/// SIGTERM stops a worker gracefully; a second one stops it at once.
@Suite("warren worker shutdown", .timeLimit(.minutes(1)))
struct ShutdownTests {
    @Test("SIGTERM while a task runs: the task finishes and is acked, the worker exits 0")
    func gracefulShutdown() async throws {
        try await TestScope.run("sigterm") { scope in
            try await scope.declareQueue()
            try await scope.enqueue()
            let log = scope.file("log")
            let worker = try scope.startWorker(exec: "echo started >> '\(log.path)'; sleep 1.5; echo finished >> '\(log.path)'")
            #expect(await eventually(within: .seconds(15)) { lines(of: log) == ["started"] })
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit(within: .seconds(15)) == 0)
            #expect(lines(of: log) == ["started", "finished"])
            #expect(try await scope.depth(scope.queue) == 0)
            #expect(try await scope.depth(scope.deadQueue) == 0)
        }
    }

    @Test("a second SIGTERM exits at once with 130, kills the command, and the task returns to the queue")
    func secondSignalExitsAtOnce() async throws {
        try await TestScope.run("sigterm2") { scope in
            try await scope.declareQueue()
            try await scope.enqueue()
            let worker = try scope.startWorker(exec: "\(scope.recordGroupSnippet); sleep 30", ["--grace-period", "60"])
            #expect(await eventually(within: .seconds(15)) { !scope.recordedGroups.isEmpty })
            worker.signal(SIGTERM)
            try await Task.sleep(for: .milliseconds(500))
            #expect(worker.isRunning, "the first SIGTERM must wait for the running task")
            let sent = ContinuousClock.now
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit(within: .seconds(5)) == 130)
            #expect(ContinuousClock.now - sent < .seconds(2))
            #expect(worker.stderr.contains("second signal: exiting now; unacked tasks return to the queue"))
            #expect(try await eventually(within: .seconds(10)) { try await scope.depth(scope.queue) == 1 })
            for group in scope.recordedGroups {
                #expect(ProcessTable.livingMembers(ofGroup: group).isEmpty, "process group \(group) survived the exit")
            }
        }
    }
}
