import Foundation
import Testing
import Warren
@testable import warren

/// The tool's pure parts, without a broker.
@Suite("warren internals")
struct CLIUnitTests {
    @Test("a dead letter's reason falls back to the broker's x-death when Warren's header is missing")
    func brokerReason() throws {
        let record = DeadLetterRecord(properties: Self.properties(headers: ["x-death": [["reason": "expired", "count": 1]]]), bodyBytes: 2)
        #expect(record.reason == "expired")
        #expect(record.attempts == nil)
        #expect(record.replays == 0)
    }

    @Test("failure times are milliseconds since 1970, shown in ISO 8601")
    func failureTimes() throws {
        let record = DeadLetterRecord(properties: Self.properties(headers: [WarrenHeaders.firstFailureAt: 1_700_000_000_123]), bodyBytes: 2)
        let milliseconds = try #require(record.firstFailureAt)
        #expect(DeadLetterRecord.iso8601(milliseconds: milliseconds, fractional: true) == "2023-11-14T22:13:20.123Z")
        #expect(DeadLetterRecord.iso8601(milliseconds: milliseconds, fractional: false) == "2023-11-14T22:13:20Z")
        #expect(DeadLetterRecord.iso8601(milliseconds: 1_700_000_000_005, fractional: true) == "2023-11-14T22:13:20.005Z")
    }

    @Test("tables align text left and numbers right")
    func table() {
        var table = Table(headers: ["QUEUE", "READY"], numeric: [1])
        table.append(["a-long-name", "7"])
        table.append(["b", "1234"])
        #expect(table.render() == ["QUEUE        READY", "a-long-name      7", "b             1234"])
    }

    @Test("errors print on one line")
    func oneLine() {
        #expect(ErrorReport.line(for: CLIFailure("first\n  second\n")) == "first second")
        #expect(ErrorReport.exitCode(for: CLIFailure.usage("x")) == 64)
        #expect(ErrorReport.exitCode(for: AMQPError(.connectionFailed, "x")) == 1)
    }

    @Test("exec failures say how the command ended and what it wrote on stderr")
    func execFailureText() {
        #expect(ExecFailure(ending: .exited(3), stoppedByWorker: false, stderrTail: "oops").description
            == "command exited with status 3; stderr: oops")
        #expect(ExecFailure(ending: .signalled(9), stoppedByWorker: true, stderrTail: "").description
            == "command was killed by signal 9 (SIGKILL) after the worker stopped it")
    }

    @Test("JSON bodies are checked before publishing")
    func jsonBodies() throws {
        try JSONBody.validate(Array(#"{"a": [1, 2]}"#.utf8))
        try JSONBody.validate(Array("42".utf8))
        #expect(throws: CLIFailure.self) { try JSONBody.validate(Array("{a: 1}".utf8)) }
        #expect(throws: CLIFailure.self) { try JSONBody.validate(Array("  ".utf8)) }
    }

    /// Dead-letter properties with `headers`.
    static func properties(headers: AMQPTable) -> AMQPProperties {
        var properties = AMQPProperties(messageID: "m-1", type: "t")
        properties.headers = headers
        properties.expiration = "60000"
        return properties
    }
}
