import Foundation
import Testing
import Warren

/// `warren worker --exec`: how a command's exit status settles its task.
@Suite("warren worker --exec exit codes", .timeLimit(.minutes(1)))
struct ExecExitCodeTests {
    @Test("exit 0 acks the task: the queue ends empty and nothing is dead")
    func exitZeroAcks() async throws {
        try await TestScope.run("exit0") { scope in
            try await scope.declareQueue()
            for _ in 0..<3 { try await scope.enqueue() }
            let runs = scope.file("runs")
            let worker = try scope.startWorker(exec: "cat > /dev/null; echo \"$WARREN_MESSAGE_ID\" >> '\(runs.path)'")
            #expect(await eventually(within: .seconds(15)) { lines(of: runs).count == 3 })
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit(within: .seconds(10)) == 0)
            // Unacked messages would be back in the queue now that the worker is gone.
            #expect(try await scope.depth(scope.queue) == 0)
            #expect(try await scope.depth(scope.deadQueue) == 0)
            #expect(Set(lines(of: runs)).count == 3)
        }
    }

    @Test("exit 65 dead-letters the task at once: reason permanent-failure, 1 attempt")
    func exitSixtyFiveIsPermanent() async throws {
        try await TestScope.run("exit65") { scope in
            try await scope.declareQueue()
            let id = try await scope.enqueue()
            let runs = scope.file("runs")
            let worker = try scope.startWorker(
                exec: "echo run >> '\(runs.path)'; echo 'no such customer' >&2; exit 65",
                ["--max-attempts", "5", "--initial-delay", "0.1"]
            )
            #expect(try await eventually(within: .seconds(15)) { try await scope.depth(scope.deadQueue) == 1 })
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit(within: .seconds(10)) == 0)
            let dead = try #require(try await scope.peek(scope.deadQueue).first)
            let headers = try #require(dead.properties.headers)
            #expect(dead.properties.messageID == id)
            #expect(headers[WarrenHeaders.deadReason]?.stringValue == "permanent-failure")
            #expect(headers[WarrenHeaders.attempt]?.intValue == 1)
            let error = headers[WarrenHeaders.lastError]?.stringValue ?? ""
            #expect(error.contains("status 65"))
            #expect(error.contains("no such customer"))
            #expect(lines(of: runs).count == 1)
            #expect(try await scope.depth(scope.queue) == 0)
        }
    }

    @Test("another exit status is retried, then dead-lettered after exactly --max-attempts with stderr in the error")
    func otherStatusIsRetried() async throws {
        try await TestScope.run("exit3") { scope in
            try await scope.declareQueue()
            try await scope.enqueue()
            let runs = scope.file("runs")
            let worker = try scope.startWorker(
                exec: "cat > /dev/null; echo \"$WARREN_ATTEMPT\" >> '\(runs.path)'; echo 'disk on fire' >&2; exit 3",
                ["--max-attempts", "3", "--initial-delay", "0.1", "--multiplier", "1"]
            )
            #expect(try await eventually(within: .seconds(20)) { try await scope.depth(scope.deadQueue) == 1 })
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit(within: .seconds(10)) == 0)
            let dead = try #require(try await scope.peek(scope.deadQueue).first)
            let headers = try #require(dead.properties.headers)
            #expect(headers[WarrenHeaders.deadReason]?.stringValue == "max-attempts-exceeded")
            #expect(headers[WarrenHeaders.attempt]?.intValue == 3)
            let error = headers[WarrenHeaders.lastError]?.stringValue ?? ""
            #expect(error.contains("status 3"))
            #expect(error.contains("disk on fire"))
            #expect(lines(of: runs) == ["1", "2", "3"])
            #expect(try await scope.depth(scope.queue) == 0)
        }
    }

    @Test("the payload arrives on stdin and the WARREN_* variables in the environment")
    func environmentAndPayload() async throws {
        try await TestScope.run("env") { scope in
            let body = #"{"user": 7, "name": "Zoë"}"#
            let published = try await scope.run([
                "publish", "--declare", "--queue", scope.queue, "--task", "send-email", "--body", body,
                "--message-id", "msg-env-1", "--correlation-id", "req-42",
            ])
            #expect(published.status == 0, "\(published)")
            #expect(published.stdout == "msg-env-1\n")
            let environment = scope.file("env")
            let input = scope.file("stdin")
            let worker = try scope.startWorker(
                exec: "cat > '\(input.path)'; env | grep '^WARREN_' | sort > '\(environment.path).tmp'; mv '\(environment.path).tmp' '\(environment.path)'",
                ["--max-attempts", "4"]
            )
            #expect(await eventually(within: .seconds(15)) { !lines(of: environment).isEmpty })
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit(within: .seconds(10)) == 0)
            let variables = Dictionary(
                lines(of: environment).compactMap { line -> (String, String)? in
                    guard let equals = line.firstIndex(of: "=") else { return nil }
                    return (String(line[..<equals]), String(line[line.index(after: equals)...]))
                },
                uniquingKeysWith: { _, last in last }
            )
            #expect(variables["WARREN_TASK_NAME"] == "send-email")
            #expect(variables["WARREN_MESSAGE_ID"] == "msg-env-1")
            #expect(variables["WARREN_ATTEMPT"] == "1")
            #expect(variables["WARREN_MAX_ATTEMPTS"] == "4")
            #expect(variables["WARREN_REDELIVERED"] == "0")
            #expect(variables["WARREN_QUEUE"] == scope.queue)
            #expect(variables["WARREN_CORRELATION_ID"] == "req-42")
            #expect(variables["WARREN_REPLAYS"] == nil)
            #expect((try? String(contentsOf: input, encoding: .utf8)) == body)
        }
    }

    @Test("commands start with no blocked signals and SIGPIPE not ignored; a large payload left unread does no harm")
    func cleanSignalStateAndUnreadPayload() async throws {
        try await TestScope.run("signals") { scope in
            try await scope.declareQueue()
            // Without care about half the commands inherit a blocked signal mask (from the thread
            // that happens to start them): run enough of them to notice.
            let tasks = 16
            let large = "[" + Array(repeating: "1", count: 300_000).joined(separator: ",") + "]"
            try await scope.enqueue(large)
            for _ in 1..<tasks { try await scope.enqueue() }
            let status = scope.file("status")
            // Does not read its input (600 kB for the first task, more than a pipe holds).
            let worker = try scope.startWorker(
                // `exec`: grep reads its own mask, as the shell passed it on (the shell's own mask
                // changes while it waits for a child).
                exec: "exec grep -E '^Sig(Blk|Ign):' /proc/self/status >> '\(status.path)'", ["--concurrency", "4"]
            )
            #expect(await eventually(within: .seconds(15)) { lines(of: status).count == 2 * tasks })
            #expect(try await eventually(within: .seconds(5)) { try await scope.depth(scope.queue) == 0 })
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit(within: .seconds(10)) == 0)
            #expect(try await scope.depth(scope.deadQueue) == 0)
            let bit = { (signal: Int32) -> UInt64 in 1 << UInt64(signal - 1) }
            for line in lines(of: status) {
                let parts = line.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
                let mask = try #require(parts.count == 2 ? UInt64(parts[1], radix: 16) : nil)
                if parts[0] == "SigBlk" {
                    #expect(mask == 0, "a command started with blocked signals: \(parts[1])")
                } else {
                    #expect(mask & (bit(SIGPIPE) | bit(SIGTERM) | bit(SIGINT)) == 0, "a command started ignoring signals: \(parts[1])")
                }
            }
        }
    }
}
