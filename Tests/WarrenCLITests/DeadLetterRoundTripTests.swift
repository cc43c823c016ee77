import Foundation
import Testing
import Warren

/// publish → worker dead-letters → queues → dead-letters list / replay / purge, through the tool.
@Suite("warren publish, queues and dead-letters", .timeLimit(.minutes(1)))
struct DeadLetterRoundTripTests {
    /// One row of `warren queues --json`.
    struct QueueRow: Decodable, Equatable {
        let queue: String
        let ready: Int
        let consumers: Int
        let dead: Int?
    }

    /// One entry of `warren dead-letters list --json`.
    struct DeadLetterRow: Decodable {
        let message_id: String?
        let task: String?
        let reason: String?
        let attempts: Int?
        let first_failure_at: String?
        let last_failure_at: String?
        let last_error: String?
        let replays: Int
    }

    @Test("a dead letter is listed without being removed, replayed with fresh attempts, runs again, and is purged")
    func roundTrip() async throws {
        try await TestScope.run("roundtrip") { scope in
            let queue = scope.queue
            let published = try await scope.run(["publish", "--declare", "--queue", queue, "--task", "import-row", "--body", #"{"row": 12}"#])
            #expect(published.status == 0, "\(published)")
            let id = published.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!id.isEmpty && !id.contains("\n"))

            let before = try await scope.run(["queues", "--queue", queue, "--json"])
            #expect(before.status == 0, "\(before)")
            #expect(try decode([QueueRow].self, before.stdout) == [QueueRow(queue: queue, ready: 1, consumers: 0, dead: 0)])

            // The command records its attempt and replay count, then fails for good.
            let runs = scope.file("runs")
            let command = "cat > /dev/null; echo \"$WARREN_ATTEMPT ${WARREN_REPLAYS:-0}\" >> '\(runs.path)'; echo 'row 12 is malformed' >&2; exit 65"
            var worker = try scope.startWorker(exec: command)
            #expect(try await eventually(within: .seconds(15)) { try await scope.depth(scope.deadQueue) == 1 })
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit(within: .seconds(10)) == 0)
            #expect(lines(of: runs) == ["1 0"])

            let table = try await scope.run(["queues", "--queue", queue])
            #expect(table.status == 0)
            #expect(table.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) } == [
                ["QUEUE", "READY", "CONSUMERS", "DEAD"], [queue, "0", "0", "1"],
            ])

            let listed = try await scope.run(["dead-letters", "list", "--queue", queue, "--json"])
            #expect(listed.status == 0, "\(listed)")
            let rows = try decode([DeadLetterRow].self, listed.stdout)
            #expect(rows.count == 1)
            #expect(rows.first?.message_id == id)
            #expect(rows.first?.task == "import-row")
            #expect(rows.first?.reason == "permanent-failure")
            #expect(rows.first?.attempts == 1)
            #expect(rows.first?.last_error?.contains("row 12 is malformed") == true)
            #expect(rows.first?.first_failure_at?.hasSuffix("Z") == true)
            #expect(rows.first?.last_failure_at != nil)
            // Listing does not remove.
            #expect(try await scope.depth(scope.deadQueue) == 1)
            let listedTable = try await scope.run(["dead-letters", "list", "--queue", queue])
            #expect(listedTable.status == 0)
            #expect(listedTable.stdout.contains(id) && listedTable.stdout.contains("permanent-failure"))
            #expect(try await scope.depth(scope.deadQueue) == 1)

            let replayed = try await scope.run(["dead-letters", "replay", "--queue", queue])
            #expect(replayed.status == 0, "\(replayed)")
            #expect(replayed.stdout.contains("replayed 1 message"))
            #expect(try await scope.depth(scope.deadQueue) == 0)
            let back = try #require(try await scope.peek(queue).first)
            let headers = back.properties.headers ?? [:]
            #expect(back.properties.messageID == id)
            #expect(back.bodyString == #"{"row": 12}"#)
            #expect(headers[WarrenHeaders.attempt] == nil)
            #expect(headers[WarrenHeaders.deadReason] == nil)
            #expect(headers[WarrenHeaders.lastError] == nil)
            #expect(headers[WarrenHeaders.firstFailureAt] == nil)
            #expect(headers["x-death"] == nil)
            #expect(headers[WarrenHeaders.replays]?.intValue == 1)

            // It runs again from attempt 1, and dies again (not replayed in a loop).
            worker = try scope.startWorker(exec: command)
            #expect(try await eventually(within: .seconds(15)) { try await scope.depth(scope.deadQueue) == 1 })
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit(within: .seconds(10)) == 0)
            #expect(lines(of: runs) == ["1 0", "1 1"])
            let again = try decode([DeadLetterRow].self, try await scope.run(["dead-letters", "list", "--queue", queue, "--json"]).stdout)
            #expect(again.first?.replays == 1)
            #expect(again.first?.attempts == 1)

            let missing = try await scope.run(["dead-letters", "replay", "--queue", queue, "--message-id", "no-such-id"])
            #expect(missing.status == 1)
            #expect(try await scope.depth(scope.deadQueue) == 1)

            let purged = try await scope.run(["dead-letters", "purge", "--queue", queue])
            #expect(purged.status == 0, "\(purged)")
            #expect(purged.stdout == "purged 1 dead letter from '\(scope.deadQueue)'\n")
            #expect(try await scope.depth(scope.deadQueue) == 0)
        }
    }

    @Test("replay moves only what was dead at the start, matching --message-id and --limit")
    func replaySelection() async throws {
        try await TestScope.run("replaysel") { scope in
            try await scope.declareQueue()
            // Put three dead letters straight into the dead-letter queue, as a worker would.
            let channel = try await scope.connection.openChannel()
            try await channel.confirmSelect()
            for number in 1...3 {
                var properties = AMQPProperties(messageID: "dead-\(number)", type: "t")
                properties.headers = [WarrenHeaders.attempt: .int64(5), WarrenHeaders.deadReason: "max-attempts-exceeded"]
                try await channel.publish(Array("{}".utf8), routingKey: scope.deadQueue, mandatory: true, properties: properties)
            }
            try await channel.close()

            let one = try await scope.run(["dead-letters", "replay", "--queue", scope.queue, "--message-id", "dead-2"])
            #expect(one.status == 0, "\(one)")
            #expect(try await scope.depth(scope.queue) == 1)
            #expect(try await scope.depth(scope.deadQueue) == 2)
            #expect(try await scope.peek(scope.queue).map(\.properties.messageID) == ["dead-2"])
            #expect(try await scope.peek(scope.deadQueue).map(\.properties.messageID) == ["dead-1", "dead-3"])

            let limited = try await scope.run(["dead-letters", "replay", "--queue", scope.queue, "--limit", "1"])
            #expect(limited.status == 0, "\(limited)")
            #expect(try await scope.depth(scope.queue) == 2)
            #expect(try await scope.peek(scope.deadQueue).map(\.properties.messageID) == ["dead-3"])
        }
    }

    @Test("publish checks the body is JSON, prints one id per task or a summary for many, and delays")
    func publishChecksAndCounts() async throws {
        try await TestScope.run("publish") { scope in
            try await scope.declareQueue()
            let invalid = try await scope.run(["publish", "--queue", scope.queue, "--task", "t", "--body", "{oops"])
            #expect(invalid.status != 0)
            #expect(invalid.stderrLines.count == 1)
            #expect(invalid.stderr.contains("not valid JSON"))
            #expect(try await scope.depth(scope.queue) == 0)

            let piped = try await scope.run(["publish", "--queue", scope.queue, "--task", "t", "--count", "3"], stdin: #"[1, 2]"#)
            #expect(piped.status == 0, "\(piped)")
            #expect(Set(piped.stdout.split(separator: "\n")).count == 3)

            let many = try await scope.run(["publish", "--queue", scope.queue, "--task", "t", "--body", "{}", "--count", "500"])
            #expect(many.status == 0, "\(many)")
            #expect(many.stdout.hasPrefix("published 500 tasks"))
            #expect(many.stdout.contains("tasks/s"))
            #expect(try await scope.depth(scope.queue) == 503)

            let delayed = try await scope.run(["publish", "--queue", scope.queue, "--task", "t", "--body", "{}", "--delay", "1"])
            #expect(delayed.status == 0, "\(delayed)")
            #expect(try await scope.depth(scope.queue) == 503)
            #expect(try await eventually(within: .seconds(10)) { try await scope.depth(scope.queue) == 504 })

            let missing = try await scope.run(["publish", "--queue", scope.queue + "-nope", "--task", "t", "--body", "{}"])
            #expect(missing.status == 1)
            #expect(missing.stderrLines.count == 1)
            #expect(missing.stderr.contains("does not exist"))
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
