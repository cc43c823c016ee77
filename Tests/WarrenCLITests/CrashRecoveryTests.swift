import Foundation
import Testing
import Warren

/// A worker killed with SIGKILL mid-task loses nothing: the broker redelivers what it had not acked.
@Suite("warren worker after kill -9", .timeLimit(.minutes(1)))
struct CrashRecoveryTests {
    @Test("after kill -9, a new worker processes every task; only tasks in flight at the kill run twice")
    func killNineThenRecover() async throws {
        try await TestScope.run("kill9") { scope in
            try await scope.declareQueue()
            let total = 20
            var ids: Set<String> = []
            for _ in 0..<total { ids.insert(try await scope.enqueue()) }
            let log = scope.file("log")
            let command = """
                \(scope.recordGroupSnippet); cat > /dev/null; \
                echo "start $WARREN_MESSAGE_ID" >> '\(log.path)'; sleep 0.3; \
                echo "done $WARREN_MESSAGE_ID $WARREN_REDELIVERED" >> '\(log.path)'
                """
            let options = ["--concurrency", "2", "--prefetch", "50"]
            let first = try scope.startWorker(exec: command, options)
            #expect(await eventually(within: .seconds(15)) { lines(of: log).filter { $0.hasPrefix("done ") }.count >= 4 })
            first.signal(SIGKILL)
            #expect(await first.waitForExit(within: .seconds(5)) == 128 + SIGKILL)
            // The killed worker's commands live on as orphans: let them end, then note what the first
            // worker started (a task it finished but had not acked yet is redelivered too).
            #expect(await eventually(within: .seconds(5)) {
                scope.recordedGroups.allSatisfy { ProcessTable.livingMembers(ofGroup: $0).isEmpty }
            })
            let startedByFirst = Set(lines(of: log).filter { $0.hasPrefix("start ") }.map { String($0.dropFirst(6)) })

            let second = try scope.startWorker(exec: command, options)
            let allDone = await eventually(within: .seconds(30)) {
                Set(lines(of: log).filter { $0.hasPrefix("done ") }.compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) }) == ids
            }
            #expect(allDone)
            second.signal(SIGTERM)
            #expect(await second.waitForExit(within: .seconds(10)) == 0)
            #expect(try await scope.depth(scope.queue) == 0)
            #expect(try await scope.depth(scope.deadQueue) == 0)

            // Each "done ID REDELIVERED" line is one completed run.
            let runs = lines(of: log).filter { $0.hasPrefix("done ") }.map { $0.split(separator: " ").map(String.init) }
            var runsByID: [String: [String]] = [:]
            for run in runs where run.count == 3 { runsByID[run[1], default: []].append(run[2]) }
            let duplicates = runsByID.filter { $0.value.count > 1 }
            print("kill -9 test: \(total) tasks, \(startedByFirst.count) started by the killed worker, \(duplicates.count) ran twice: \(duplicates.keys.sorted())")
            // A task runs twice only when it was in flight, unacked, at the kill (at most --concurrency
            // of them), and its second run is a redelivery.
            #expect(duplicates.count <= 2)
            for (id, flags) in duplicates {
                #expect(startedByFirst.contains(id), "task \(id) ran twice but the killed worker never started it")
                #expect(flags.contains("1"), "task \(id) ran twice without a redelivery")
            }
        }
    }
}
