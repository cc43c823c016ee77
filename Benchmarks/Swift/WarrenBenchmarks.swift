import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Warren's benchmarks: each subcommand runs one measurement against a broker and prints one JSON
/// line. scripts/bench.sh runs them interleaved with the C baseline (Benchmarks/c/rmqbench.c) and
/// `report` turns the lines into a table. See docs/benchmarks.md.
@main
struct WarrenBenchmarks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "WarrenBenchmarks",
        abstract: "Throughput, latency and memory benchmarks of WarrenAMQP and Warren against a broker.",
        subcommands: [
            PublishBenchmark.self, ConsumeBenchmark.self, EnqueueBenchmark.self, DrainBenchmark.self,
            LatencyBenchmark.self, FillBenchmark.self, DeleteQueuesCommand.self, ReportCommand.self,
        ]
    )
}

/// Deletes queues (cleanup for scripts).
struct DeleteQueuesCommand: BlockingAsyncCommand {
    static let configuration = CommandConfiguration(commandName: "delete-queues", abstract: "Delete queues by name.")

    @Option(help: "The broker URL (default: $AMQP_URL, else amqp://guest:guest@127.0.0.1:5672/%2F).")
    var url: String?

    @Argument(help: "Queue names.")
    var queues: [String]

    func runAsync() async throws {
        var options = CommonOptions()
        options.url = url
        await deleteQueues(queues, configuration: try options.configuration())
    }
}

/// Turns result lines (Warren's and the C baseline's) into a markdown table of medians and ratios.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print a markdown table of medians and Warren / C ratios from JSON result lines.",
        discussion: """
            Results are grouped by tool and name. A comparison pairs a Warren result with a C result \
            (e.g. enqueue-batch with C's publish-confirm-256); "paired" is the median of the per-round \
            ratios, the n-th Warren result of a name over the n-th C result (bench.sh runs them \
            back to back in each round); a target is met when that paired median reaches it. Results \
            with broker_cpu_s (added by bench.sh) also give the broker's CPU per message. The exit \
            status does not depend on the targets.
            """
    )

    @Argument(help: "Files of JSON lines (other lines are ignored).")
    var files: [String]

    struct Comparison {
        var title: String
        var warren: String
        var c: String?
        var target: Double?
        /// The tool of the first column: "c" compares two C results (the broker's share of a change
        /// in the messages).
        var tool = "warren"
        /// The C result is of the very messages the Warren one sends or receives (a task's:
        /// `--task-shaped`), run right beside it in every round.
        var sameMessages = false
    }

    static let comparisons: [Comparison] = [
        .init(title: "publish, persistent, confirms, 256 in flight", warren: "publish-confirm-256", c: "publish-confirm-256", target: 0.95),
        .init(title: "publish, persistent, confirms, 1 in flight", warren: "publish-confirm-1", c: "publish-confirm-1"),
        .init(title: "publish, persistent, no confirms", warren: "publish-noconfirm", c: "publish-noconfirm"),
        .init(title: "publish, 256 in flight as batches of 64 (publish([...]))", warren: "publish-batch-64x4", c: "publish-confirm-256"),
        .init(title: "consume, prefetch 256, ack each", warren: "consume-p256", c: "consume-p256", target: 0.9),
        .init(title: "consume, prefetch 256, ack multiple every 128", warren: "consume-p256-multi", c: "consume-p256-multi"),
        .init(title: "consume, prefetch 1, ack each", warren: "consume-p1", c: "consume-p1"),
        .init(title: "enqueue batch (256 per call) vs C publish-256", warren: "enqueue-batch", c: "publish-confirm-256", target: 0.9),
        .init(title: "enqueue single (256 concurrent callers) vs C publish-256", warren: "enqueue-single", c: "publish-confirm-256"),
        .init(title: "enqueue single (1 caller) vs C publish-1", warren: "enqueue-single-1", c: "publish-confirm-1"),
        .init(title: "worker drain, concurrency 128 vs C consume-256", warren: "drain-c128", c: "consume-p256", target: 0.8),
        .init(title: "worker drain, concurrency 1 vs C consume-256", warren: "drain-c1", c: "consume-p256"),
        .init(title: "enqueue batch vs C publish-256 of task-shaped messages", warren: "enqueue-batch", c: "publish-task-256", sameMessages: true),
        .init(title: "worker drain, concurrency 128 vs C consume-256 of task-shaped messages", warren: "drain-c128", c: "consume-task-256", sameMessages: true),
        .init(title: "C only: publish-256, task-shaped / plain messages", warren: "publish-task-256", c: "publish-confirm-256", tool: "c"),
        .init(title: "C only: consume-256, task-shaped / plain messages", warren: "consume-task-256", c: "consume-p256", tool: "c"),
    ]

    /// The C result of the very messages a Warren benchmark sends or receives, run right beside it
    /// in every round: the C side of its "of task-shaped messages" comparison, or of the latency pair.
    static func sameMessageRun(of name: String) -> String? {
        if let comparison = comparisons.first(where: { $0.sameMessages && $0.warren == name }) { return comparison.c }
        return name == "latency-worker" ? "latency-task-confirm" : nil
    }

    func run() throws {
        var results: [String: [ResultLine]] = [:]  // "tool/name" -> results in file order
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        for file in files {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("{") {
                guard let result = try? decoder.decode(ResultLine.self, from: Data(line.utf8)) else { continue }
                results["\(result.tool)/\(result.name)", default: []].append(result)
            }
        }
        func rates(_ key: String) -> [Double] { (results[key] ?? []).compactMap(\.msgsPerS) }
        func rounded(_ value: Double) -> String {
            value >= 100 ? fmt(value, digits: 0) : fmt(value, digits: 2)
        }

        print("| benchmark | Warren msg/s (median) | C msg/s (median) | Warren / C (medians) | paired ratios: median (min-max) | target | met (paired median) | runs |")
        print("|---|---:|---:|---:|---:|---:|:-:|---:|")
        for comparison in Self.comparisons {
            let warren = rates("\(comparison.tool)/\(comparison.warren)")
            guard !warren.isEmpty else { continue }
            let c = comparison.c.map { rates("c/\($0)") } ?? []
            let w = median(warren)
            var cells = [comparison.title, rounded(w)]
            if !c.isEmpty {
                let ratio = w / median(c)
                let paired = zip(warren, c).map { $0 / $1 }
                let low = paired.min() ?? .nan
                let high = paired.max() ?? .nan
                cells += [rounded(median(c)), fmt(ratio, digits: 2),
                          "\(fmt(median(paired), digits: 2)) (\(fmt(low, digits: 2))-\(fmt(high, digits: 2)))"]
                if let target = comparison.target {
                    // Judged on the paired ratios (each round's back-to-back pair), which drift on a
                    // noisy machine moves far less than the medians of each side.
                    let met = median(paired) >= target
                    cells += ["≥ " + fmt(target, digits: 2), met ? "yes" : "**no**"]
                } else {
                    cells += ["", ""]
                }
            } else {
                cells += ["", "", "", "", ""]
            }
            cells.append("\(warren.count)/\(c.count)")
            print("| " + cells.joined(separator: " | ") + " |")
        }

        // Latency: absolute targets.
        let latencyRows: [(String, String, Bool)] = [
            ("latency, TaskProducer -> Worker handler start", "warren/latency-worker", true),
            ("latency, C publish (task-shaped, confirms) -> consume", "c/latency-task-confirm", false),
            ("latency, WarrenAMQP publish -> AMQPConsumer", "warren/latency-amqp", false),
            ("latency, C publish -> consume", "c/latency-amqp", false),
        ]
        var printedHeader = false
        for (title, key, targeted) in latencyRows {
            guard let runs = results[key], !runs.isEmpty else { continue }
            if !printedHeader {
                print("")
                print("| latency at a fixed rate | p50 µs | p90 µs | p99 µs | max µs | target | met | runs |")
                print("|---|---:|---:|---:|---:|---|:-:|---:|")
                printedHeader = true
            }
            let p50 = median(runs.compactMap { $0.latencyUs?.p50 })
            let p90 = median(runs.compactMap { $0.latencyUs?.p90 })
            let p99 = median(runs.compactMap { $0.latencyUs?.p99 })
            let max = median(runs.compactMap { $0.latencyUs?.max })
            let rate = runs.first?.params?.rate ?? 0
            let met = targeted ? (p50 <= 700 && p99 <= 2000 ? "yes" : "**no**") : ""
            print("| \(title) (\(Int(rate))/s) | \(rounded(p50)) | \(rounded(p90)) | \(rounded(p99)) | \(rounded(max)) | \(targeted ? "p50 ≤ 700, p99 ≤ 2000" : "") | \(met) | \(runs.count) |")
        }

        // Memory: peak RSS per benchmark (both tools), the anonymous part, and the worker leak check.
        print("")
        print("| memory | Warren peak RSS MB (median) | Warren RssAnon MB at the end | C peak RSS MB (median) | leak check |")
        print("|---|---:|---:|---:|---|")
        let names = Set(results.keys.map { String($0.split(separator: "/", maxSplits: 1).last ?? "") }).sorted()
        for name in names {
            let warren = results["warren/\(name)"] ?? []
            guard !warren.isEmpty else { continue }
            let peaks = warren.compactMap(\.peakRssKb).map { $0 / 1024 }
            let anon = warren.compactMap(\.rssAnonKb).map { $0 / 1024 }
            let c = (results["c/\(name)"] ?? []).compactMap(\.peakRssKb).map { $0 / 1024 }
            var leak = ""
            let checks = warren.compactMap(\.leakCheck).filter { $0 != "n/a" }
            if !checks.isEmpty {
                let growth = warren.compactMap(\.rssGrowthKb).map { String(Int($0)) }.joined(separator: ", ")
                let count = warren.first?.count.map { Int($0) } ?? 0
                let peak = peaks.max() ?? .infinity
                leak = "\(checks.joined(separator: ", ")): VmRSS growth \(growth) kB over \(count) tasks; peak ≤ 20 MB: \(peak <= 20 ? "yes" : "**no**")"
            }
            let cells = [
                name, fmt(median(peaks)), anon.isEmpty ? "" : fmt(median(anon)),
                c.isEmpty ? "" : fmt(median(c)), leak,
            ]
            print("| " + cells.joined(separator: " | ") + " |")
        }
        printBrokerCPU(results)
    }

    /// Prints the broker's CPU per message (µs, medians over runs) of every benchmark whose results
    /// carry broker_cpu_s: Warren's, C's of the same name, and C's of the same messages; nothing when
    /// none does (results of bench.sh before it measured the broker, or of a remote broker).
    func printBrokerCPU(_ results: [String: [ResultLine]]) {
        func perMessage(_ key: String) -> [Double] {
            (results[key] ?? []).compactMap { result in
                guard let cpu = result.brokerCpuS, let count = result.count, count > 0 else { return nil }
                return cpu * 1e6 / count
            }
        }
        func cell(_ values: [Double]) -> String {
            guard !values.isEmpty else { return "" }
            let value = median(values)
            return fmt(value, digits: value >= 100 ? 0 : 1)
        }
        let measured = Set(results.filter { $0.value.contains { $0.brokerCpuS != nil } }.keys)
        let names = Set(measured.map { String($0.split(separator: "/", maxSplits: 1).last ?? "") })
        // A C run of the same messages is shown beside its Warren benchmark, not on a row of its own.
        let shownBeside = Set(names.filter { measured.contains("warren/\($0)") }.compactMap(Self.sameMessageRun(of:)))
        let rows = names.subtracting(shownBeside).sorted()
        guard !rows.isEmpty else { return }
        print("")
        print("| broker CPU per message | Warren µs/msg (median) | C µs/msg (median) | C of the same messages µs/msg (median) | runs |")
        print("|---|---:|---:|---:|---:|")
        for name in rows {
            let warren = perMessage("warren/\(name)")
            let c = perMessage("c/\(name)")
            var cells = [name, cell(warren), cell(c), ""]
            var runs = "\(warren.count)/\(c.count)"
            if let same = Self.sameMessageRun(of: name), !warren.isEmpty {
                let values = perMessage("c/\(same)")
                if !values.isEmpty { cells[3] = "\(cell(values)) (\(same))" }
                runs += "/\(values.count)"
            }
            print("| " + (cells + [runs]).joined(separator: " | ") + " |")
        }
    }

    func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// One result line of a benchmark, as the report reads it (keys in snake case in the file).
struct ResultLine: Decodable {
    struct Latency: Decodable {
        var p50: Double?
        var p90: Double?
        var p99: Double?
        var max: Double?
    }

    struct Params: Decodable {
        var rate: Double?
    }

    var tool: String
    var name: String
    var count: Double?
    var msgsPerS: Double?
    var latencyUs: Latency?
    var params: Params?
    var peakRssKb: Double?
    var rssAnonKb: Double?
    var rssGrowthKb: Double?
    var leakCheck: String?
    /// The broker's CPU seconds (user + system) while the benchmark ran, when bench.sh could read
    /// them (a local broker).
    var brokerCpuS: Double?
}
