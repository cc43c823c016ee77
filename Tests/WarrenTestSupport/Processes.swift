import Foundation

/// The folder of the built products: the test bundle sits beside the executables.
public func productsDirectory() -> URL {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
}

/// The path of a built executable product, e.g. `warren` or `ExampleWorker`.
public func productPath(_ product: String) -> URL {
    let beside = productsDirectory().appendingPathComponent(product)
    if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
    // `swift test` may run the bundle one level below the products.
    return productsDirectory().deletingLastPathComponent().appendingPathComponent(product)
}

/// Starts a built product with its output going to `output`.
public func launch(
    _ product: String,
    arguments: [String] = [],
    environment: [String: String] = ProcessInfo.processInfo.environment,
    output: Pipe? = nil
) throws -> Process {
    let process = Process()
    process.executableURL = productPath(product)
    process.arguments = arguments
    process.environment = environment
    if let output {
        process.standardOutput = output
        process.standardError = output
    }
    try process.run()
    return process
}

/// Waits for a process to exit; kills it and throws when it takes longer than `limit`.
public func waitForExit(_ process: Process, within limit: Duration) async throws {
    let deadline = ContinuousClock.now + limit
    while process.isRunning {
        guard ContinuousClock.now < deadline else {
            kill(process.processIdentifier, SIGKILL)
            throw TimeLimitExceeded(what: "exit of \(process.executableURL?.lastPathComponent ?? "process")", limit: limit)
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
