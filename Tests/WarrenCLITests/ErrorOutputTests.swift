import Foundation
import Testing

/// Failures are one line on standard error and a non-zero exit, never a Swift error dump.
@Suite("warren error output", .timeLimit(.minutes(1)))
struct ErrorOutputTests {
    static let cases: [(String, [String])] = [
        ("nothing listens", ["queues", "--queue", "q", "--url", "amqp://guest:guest@127.0.0.1:1/"]),
        ("not an AMQP URL", ["publish", "--queue", "q", "--task", "t", "--body", "{}", "--url", "http://127.0.0.1/"]),
        ("wrong password", ["dead-letters", "list", "--queue", "q", "--url", "amqp://guest:hunter2@127.0.0.1:5672/%2F"]),
        ("unknown vhost", ["dead-letters", "purge", "--queue", "q", "--url", "amqp://guest:guest@127.0.0.1:5672/no-such-vhost"]),
        ("worker, nothing listens", ["worker", "--queue", "q", "--exec", "true", "--url", "amqp://guest:guest@127.0.0.1:1/"]),
    ]

    @Test("a bad URL or an unreachable broker: one line on stderr, non-zero exit, no password", arguments: 0..<cases.count)
    func oneLineErrors(index: Int) async throws {
        let (name, arguments) = Self.cases[index]
        try await TestScope.run("errors") { scope in
            let result = try await scope.run(arguments)
            #expect(result.status != nil && result.status != 0, "\(name): \(result)")
            #expect(result.stderrLines.count == 1, "\(name): \(result.stderr)")
            #expect(result.stderr.hasPrefix("warren: "), "\(name): \(result.stderr)")
            #expect(!result.stderr.contains("hunter2"))
            #expect(!result.stderr.contains("AMQPError("))
            #expect(!result.stderr.contains("Fatal error"))
            #expect(result.stdout.isEmpty)
        }
    }

    @Test("AMQP_URL that does not parse: one line naming the variable")
    func badEnvironmentURL() async throws {
        let process = try CLIProcess(
            ["queues", "--queue", "q"],
            environment: ["AMQP_URL": "amqp://guest:s3cret@host:99999/"],
            directory: FileManager.default.temporaryDirectory
        )
        defer { process.killIfRunning() }
        let status = await process.waitForExit(within: .seconds(10))
        #expect(status != nil && status != 0)
        #expect(process.stderr.split(separator: "\n").count == 1)
        #expect(process.stderr.contains("AMQP_URL"))
        #expect(!process.stderr.contains("s3cret"))
    }
}
