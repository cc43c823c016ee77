import Foundation

/// Where the built `warren` executable is: beside the test bundle, in whichever build folder
/// (`--scratch-path`) the tests were built in. `WARREN_CLI_BINARY` overrides it.
enum WarrenBinary {
    static let url: URL = locate()

    private static func locate(filePath: String = #filePath) -> URL {
        if let override = ProcessInfo.processInfo.environment["WARREN_CLI_BINARY"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        var candidates: [URL] = []
        // The test runner (…/debug/WarrenPackageTests.xctest) sits in the products directory.
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(runner.deletingLastPathComponent().appendingPathComponent("warren"))
        if let bundle = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") }) {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("warren"))
        }
        // Last resort: the default build folder of this checkout.
        let root = URL(fileURLWithPath: filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/warren"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }
}
