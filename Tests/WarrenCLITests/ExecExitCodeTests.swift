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
}
