import Foundation
import Testing
import Warren

/// `warren version` and `warren --version`.
@Suite("warren version", .timeLimit(.minutes(1)))
struct VersionTests {
    @Test("both print the library version; `version` also names the rabbitmq-c loaded")
    func version() async throws {
        let directory = FileManager.default.temporaryDirectory
        let long = try CLIProcess(["version"], directory: directory)
        defer { long.killIfRunning() }
        #expect(await long.waitForExit(within: .seconds(10)) == 0)
        #expect(long.stdout.hasPrefix("warren \(Warren.version) "))
        #expect(long.stdout.contains("rabbitmq-c \(RabbitMQC.loadedVersion))"), "\(long.stdout)")
        let flag = try CLIProcess(["--version"], directory: directory)
        defer { flag.killIfRunning() }
        #expect(await flag.waitForExit(within: .seconds(10)) == 0)
        #expect(flag.stdout == "\(Warren.version)\n")
    }
}
