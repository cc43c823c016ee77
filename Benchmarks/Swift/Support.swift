import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Warren

// Shared pieces of the benchmarks: options, clocks, memory readings, latency percentiles and the
// one-line JSON result every benchmark prints.

struct CommonOptions: ParsableArguments {
    @Option(help: "The broker URL (default: $AMQP_URL, else amqp://guest:guest@127.0.0.1:5672/%2F).")
    var url: String?

    @Option(help: "Messages (or tasks) to measure.")
    var count: Int = 20_000

    @Option(help: "Body size in bytes (for tasks: the payload string's length).")
    var size: Int = 100

    @Option(help: "The result's name in the JSON line (scripts/bench.sh pairs results by it).")
    var name: String?

    func configuration() throws -> AMQPConnection.Configuration {
        let url = url ?? ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2F"
        var configuration = try AMQPConnection.Configuration(url: url)
        configuration.connectionName = "warren-benchmarks"
        return configuration
    }

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        guard size >= 0 else { throw ValidationError("--size must not be negative") }
    }
}

/// Nanoseconds on CLOCK_MONOTONIC: comparable across tasks and threads of the process.
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Reads a `kB` field of /proc/self/status: VmHWM (peak resident set) or VmRSS (now).
func procStatusKilobytes(_ field: String) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        let digits = line.dropFirst(field.count + 1).filter(\.isNumber)
        return Int(digits) ?? -1
    }
    return -1
}

var peakRSSKilobytes: Int { procStatusKilobytes("VmHWM") }
var currentRSSKilobytes: Int { procStatusKilobytes("VmRSS") }

/// Resets VmHWM to the current RSS (Linux: "5" to clear_refs), so setup work (filling a queue) does
/// not count in a benchmark's peak.
func resetPeakRSS() {
    let descriptor = open("/proc/self/clear_refs", O_WRONLY)
    guard descriptor >= 0 else { return }
    writeAll(descriptor, "5")
    close(descriptor)
}

/// Latency samples in units of 100 ns (as the C baseline keeps them).
struct LatencySamples: Sendable {
    var values: [UInt32] = []

    mutating func reserve(_ count: Int) { values.reserveCapacity(count) }

    mutating func add(nanoseconds: UInt64) {
        values.append(UInt32(clamping: nanoseconds / 100))
    }

    mutating func add(_ other: LatencySamples) { values.append(contentsOf: other.values) }

    /// {"p50":…,"p90":…,"p99":…,"max":…,"samples":…} in microseconds, or null.
    func json(skippingFirst skip: Int = 0) -> String {
        var sorted = Array(values.dropFirst(skip))
        guard !sorted.isEmpty else { return "null" }
        sorted.sort()
        func percentile(_ p: Double) -> Double {
            Double(sorted[Int((Double(sorted.count - 1) * p).rounded())]) / 10
        }
        return "{\"p50\":\(fmt(percentile(0.5))),\"p90\":\(fmt(percentile(0.9))),\"p99\":\(fmt(percentile(0.99))),"
            + "\"max\":\(fmt(Double(sorted.last!) / 10)),\"samples\":\(sorted.count)}"
    }
}

/// `value` with `digits` decimals, like printf's `%.Nf` (no Foundation `String(format:)` here).
func fmt(_ value: Double, digits: Int = 1) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
    let unit = (0..<digits).reduce(UInt64(1)) { product, _ in product * 10 }
    let scaled = (abs(value) * Double(unit)).rounded(.toNearestOrEven)
    guard scaled < 9e18 else { return "\(value)" }
    let whole = UInt64(scaled)
    var text = String(whole / unit)
    if digits > 0 {
        let fraction = String(whole % unit)
        text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
    return (value < 0 && whole != 0 ? "-" : "") + text
}

/// Writes all of `text` to a file descriptor, unbuffered.
func writeAll(_ descriptor: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        bytes = bytes.dropFirst(written)
    }
}

/// A JSON value for the result line, written in a fixed key order.
enum JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    case raw(String)

    init(stringLiteral value: String) { self = .raw(Self.quote(value)) }
    init(integerLiteral value: Int) { self = .raw(String(value)) }
    init(booleanLiteral value: Bool) { self = .raw(value ? "true" : "false") }
    static func string(_ value: String) -> JSONValue { .raw(quote(value)) }
    static func int(_ value: Int) -> JSONValue { .raw(String(value)) }
    static func double(_ value: Double, digits: Int = 1) -> JSONValue { .raw(fmt(value, digits: digits)) }
    static func bool(_ value: Bool) -> JSONValue { .raw(value ? "true" : "false") }
    static func object(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .raw("{" + pairs.map { "\(quote($0.key)):\($0.value.text)" }.joined(separator: ",") + "}")
    }

    var text: String {
        switch self { case .raw(let text): text }
    }

    static func quote(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

/// Prints the result line. The key order is the same as the C baseline's.
func printResult(
    name: String?,
    bench: String,
    params: [(String, JSONValue)],
    count: Int,
    seconds: Double,
    latency: String = "null",
    extra: [(String, JSONValue)] = []
) {
    var line = "{\"tool\":\"warren\",\"name\":\(JSONValue.quote(name ?? bench)),\"bench\":\(JSONValue.quote(bench)),"
    line += "\"params\":{" + params.map { "\(JSONValue.quote($0.0)):\($0.1.text)" }.joined(separator: ",") + "},"
    line += "\"count\":\(count),\"seconds\":\(fmt(seconds, digits: 4)),\"msgs_per_s\":\(fmt(seconds > 0 ? Double(count) / seconds : 0)),"
    line += "\"latency_us\":\(latency),\"peak_rss_kb\":\(peakRSSKilobytes),"
    line += "\"rss_anon_kb\":\(procStatusKilobytes("RssAnon")),\"rss_file_kb\":\(procStatusKilobytes("RssFile"))"
    for (key, value) in extra { line += ",\(JSONValue.quote(key)):\(value.text)" }
    line += "}\n"
    // Written straight to the descriptor: unbuffered, so a result line is never lost in a buffer.
    writeAll(1, line)
}

/// A counter shared by concurrent tasks.
final class SharedCounter: Sendable {
    private let value = Atomic<Int>(0)

    /// Returns the value before the increment.
    func next() -> Int { value.add(1, ordering: .relaxed).oldValue }
    func increment() -> Int { value.add(1, ordering: .relaxed).newValue }
    var current: Int { value.load(ordering: .relaxed) }
}

/// A one-shot signal a task can await (used to learn that the last task was handled).
final class Completion: Sendable {
    private let state = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func signal() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.done else { return [] }
            state.done = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.done { return true }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }
}

/// A queue name no other run uses: `warren-bench-<what>-<pid>-<random>`.
func benchmarkQueueName(_ what: String) -> String {
    "warren-bench-\(what)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
}

/// Arguments for benchmark queues: they expire 10 minutes after their last use, a safety net for a
/// run that is killed before it deletes them.
let benchmarkQueueArguments: AMQPTable = ["x-expires": .int64(600_000)]

/// Deletes queues on a fresh connection (best effort).
func deleteQueues(_ names: [String], configuration: AMQPConnection.Configuration) async {
    do {
        try await AMQPConnection.withConnection(configuration) { connection in
            try await connection.withChannel { channel in
                for name in names { _ = try? await channel.queueDelete(name) }
            }
        }
    } catch {
        writeAll(2, "warning: could not delete \(names): \(error)\n")
    }
}

/// A persistent message of `size` bytes to `queue` through the default exchange.
func persistentMessage(size: Int, queue: String) -> AMQPOutboundMessage {
    AMQPOutboundMessage(
        body: [UInt8](repeating: UInt8(ascii: "a"), count: size),
        routingKey: queue,
        properties: AMQPProperties(deliveryMode: .persistent)
    )
}

/// Publishes `count` persistent messages with confirms (256 in flight), in batches: setup work,
/// not measured.
func fillQueue(_ queue: String, count: Int, size: Int, configuration: AMQPConnection.Configuration) async throws {
    try await AMQPConnection.withConnection(configuration) { connection in
        let channel = try await connection.openChannel()
        try await channel.queueDeclare(queue, durable: true, arguments: benchmarkQueueArguments)
        try await channel.confirmSelect(maxOutstanding: 256)
        let message = persistentMessage(size: size, queue: queue)
        var sent = 0
        while sent < count {
            let batch = min(1000, count - sent)
            try await channel.publish(Array(repeating: message, count: batch))
            sent += batch
        }
    }
}

/// The task every Warren-level benchmark enqueues and handles.
struct BenchTask: WarrenTask {
    static let name = "warren-bench.noop"
    var id: Int
    /// CLOCK_MONOTONIC nanoseconds when it was enqueued (for the latency benchmark).
    var sentAt: UInt64
    var payload: String
}

/// A command whose work is async but whose `run()` blocks the main thread until it is done.
///
/// Not `AsyncParsableCommand`: Swift's async `main` on Linux parks the main thread in libdispatch's
/// `dispatch_main()`, under which valgrind 3.19 (callgrind, for the profiles in docs/benchmarks.md)
/// crashes. Waiting on a semaphore instead runs the same code on the same cooperative pool.
protocol BlockingAsyncCommand: ParsableCommand, Sendable {
    func runAsync() async throws
}

extension BlockingAsyncCommand {
    func run() throws {
        let outcome = Mutex<Result<Void, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let command = self
        Task {
            let result: Result<Void, any Error>
            do {
                try await command.runAsync()
                result = .success(())
            } catch {
                result = .failure(error)
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        try outcome.withLock { $0 }!.get()
    }
}
