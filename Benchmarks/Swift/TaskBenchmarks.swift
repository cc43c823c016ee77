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
import Synchronization
import Warren

/// A producer that confirms at most `window` publishes at once, like the C baseline's window.
func benchmarkProducer(_ connection: AMQPConnection, window: Int) -> TaskProducer {
    TaskProducer(connection: connection, configuration: .init(maxOutstandingConfirms: window))
}

/// The task queue the Warren-level benchmarks use (with an expiry as a safety net).
func benchmarkTaskQueue(_ name: String) -> TaskQueue {
    TaskQueue(name, arguments: benchmarkQueueArguments)
}

/// Enqueues `count` tasks through the producer in batches of `batch`, `feeders` batches at once.
func enqueueTasks(
    _ producer: TaskProducer, queue: String, count: Int, size: Int, batch: Int, feeders: Int
) async throws -> LatencySamples {
    let payload = String(repeating: "a", count: size)
    let next = SharedCounter()
    return try await withThrowingTaskGroup(of: LatencySamples.self) { group in
        for _ in 0..<feeders {
            group.addTask {
                var samples = LatencySamples()
                while true {
                    let first = next.next() * batch
                    guard first < count else { break }
                    let started = monotonicNanoseconds()
                    if batch == 1 {
                        try await producer.enqueue(BenchTask(id: first, sentAt: started, payload: payload), to: queue)
                    } else {
                        let tasks = (first..<min(count, first + batch)).map { BenchTask(id: $0, sentAt: started, payload: payload) }
                        try await producer.enqueue(tasks, to: queue)
                    }
                    samples.add(nanoseconds: monotonicNanoseconds() - started)
                }
                return samples
            }
        }
        var all = LatencySamples()
        for try await samples in group { all.add(samples) }
        return all
    }
}

/// (3) Enqueueing typed tasks through the Warren producer.
struct EnqueueBenchmark: BlockingAsyncCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Enqueue typed tasks through TaskProducer (JSON encode + publish + confirm).",
        discussion: """
            single (--batch 1): --concurrency tasks each await one enqueue(_:to:) at a time. \
            batch: --concurrency tasks each await enqueue([...], to:) of --batch tasks. The producer's \
            maxOutstandingConfirms is --window (256 by default, the C baseline's window), so the \
            broker never has more than that many unconfirmed publishes from it. Latency: per call.
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(help: "Tasks per enqueue call (1: enqueue(_:to:), more: enqueue([...], to:)).")
    var batch: Int = 1

    @Option(help: "Concurrent enqueueing tasks.")
    var concurrency: Int = 256

    @Option(help: "The producer's maxOutstandingConfirms.")
    var window: Int = 256

    func runAsync() async throws {
        let configuration = try common.configuration()
        let queue = benchmarkQueueName("enqueue")
        let count = common.count
        let batch = max(1, batch)
        let concurrency = max(1, concurrency)
        let (seconds, latency) = try await AMQPConnection.withConnection(configuration) { connection in
            _ = try await connection.withChannel { channel in
                try await channel.queueDeclare(queue, durable: true, arguments: benchmarkQueueArguments)
            }
            let producer = benchmarkProducer(connection, window: window)
            let start = monotonicNanoseconds()
            let latency = try await enqueueTasks(producer, queue: queue, count: count, size: common.size, batch: batch, feeders: concurrency)
            return (Double(monotonicNanoseconds() - start) / 1e9, latency)
        }
        let body = try JSONEncoder().encode(BenchTask(id: count / 2, sentAt: monotonicNanoseconds(), payload: String(repeating: "a", count: common.size)))
        printResult(
            name: common.name, bench: "enqueue",
            params: [("size", .int(common.size)), ("body_bytes", .int(body.count)), ("batch", .int(batch)), ("concurrency", .int(concurrency)), ("window", .int(window))],
            count: count, seconds: seconds, latency: latency.json()
        )
        await deleteQueues([queue], configuration: configuration)
    }
}

/// Fills a task queue for `drain` (setup, run as its own process so its memory is not the worker's).
struct FillBenchmark: BlockingAsyncCommand {
    static let configuration = CommandConfiguration(
        commandName: "fill",
        abstract: "Declare a task queue and enqueue --count tasks into it (setup for drain --queue).",
        discussion: """
            Prints nothing on stdout; progress on stderr every 100,000 tasks. With --raw: plain \
            persistent messages of --size bytes into a plain durable queue (setup for consume --queue).
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(help: "The task queue to fill (declared like a worker does).")
    var queue: String

    @Flag(help: "Fill a plain durable queue with plain persistent messages (for consume --queue).")
    var raw = false

    func runAsync() async throws {
        let configuration = try common.configuration()
        if raw {
            try await fillQueue(queue, count: common.count, size: common.size, configuration: configuration)
            return
        }
        try await AMQPConnection.withConnection(configuration) { connection in
            let producer = benchmarkProducer(connection, window: 512)
            try await producer.declare(benchmarkTaskQueue(queue))
            var done = 0
            while done < common.count {
                let chunk = min(100_000, common.count - done)
                _ = try await enqueueTasks(producer, queue: queue, count: chunk, size: common.size, batch: 256, feeders: 2)
                done += chunk
                if common.count > 100_000 { writeAll(2, "fill: \(done) tasks\n") }
            }
        }
    }
}

/// (4) A Worker with a no-op handler draining a queue of tasks.
struct DrainBenchmark: BlockingAsyncCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain",
        abstract: "Drain --count queued tasks with a Worker running a no-op handler (decode, run, ack).",
        discussion: """
            The queue is filled first: by this process (untimed, then the peak RSS is reset), or by \
            `fill --queue Q` beforehand (pass --queue Q). Timed from the first handler call to the \
            last. VmRSS is sampled every --rss-every handled tasks; with at least two samples the \
            result has a leak check: the growth from the first sample to the last must stay within \
            --leak-tolerance-kb.
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(help: "Handlers running at once (Worker.Configuration.concurrency; prefetch is twice that).")
    var concurrency: Int = 128

    @Option(help: "Drain this already filled task queue (see `fill`) instead of filling one here.")
    var queue: String?

    @Option(help: "Sample VmRSS every this many handled tasks.")
    var rssEvery: Int = 100_000

    @Option(help: "The most VmRSS growth (kB) from the first sample to the last that passes the leak check.")
    var leakToleranceKb: Int = 1024

    @Flag(help: "Delete the queue (and its .dead queue) afterwards, also when it was given with --queue.")
    var delete = false

    @Option(help: "Give up after this many seconds without finishing.")
    var timeout: Double = 600

    func runAsync() async throws {
        let configuration = try common.configuration()
        let count = common.count
        let queueName = queue ?? benchmarkQueueName("drain")
        if queue == nil {
            try await AMQPConnection.withConnection(configuration) { connection in
                let producer = benchmarkProducer(connection, window: 512)
                try await producer.declare(benchmarkTaskQueue(queueName))
                _ = try await enqueueTasks(producer, queue: queueName, count: count, size: common.size, batch: 256, feeders: 2)
            }
        }
        resetPeakRSS()
        let rssAtStart = currentRSSKilobytes

        let progress = DrainProgress(count: count, rssEvery: max(1, rssEvery))
        let handled = progress.handled
        let finished = progress.finished
        var tasks = TaskRegistry()
        tasks.register(BenchTask.self) { _, _ in
            // No-op handler: count, note the times, sample memory now and then.
            progress.handlerStarted()
        }
        var workerConfiguration = Worker.Configuration(amqp: configuration, queue: benchmarkTaskQueue(queueName), concurrency: concurrency)
        workerConfiguration.shutdownGracePeriod = .seconds(5)
        let worker = Worker(configuration: workerConfiguration, tasks: tasks)
        let started = monotonicNanoseconds()
        let running = Task { try await worker.run() }
        let timeout = timeout
        let timedOut = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await finished.wait(); return false }
            group.addTask {
                try? await Task.sleep(for: .seconds(timeout))
                return true
            }
            let first = await group.next() ?? true
            group.cancelAll()
            finished.signal()  // releases the waiter when the timeout won
            return first
        }
        // The last handler's ack is submitted right after it returns; let it go out before stopping.
        try? await Task.sleep(for: .milliseconds(50))
        running.cancel()
        _ = try? await running.value
        if queue == nil || delete { await deleteQueues([queueName, queueName + ".dead"], configuration: configuration) }
        guard !timedOut else {
            throw ValidationError("drain: only \(handled.current) of \(count) tasks were handled within \(timeout) s")
        }

        let first = progress.firstStart.load(ordering: .relaxed)
        let seconds = Double(progress.lastStart.load(ordering: .relaxed) - first) / 1e9
        let rss = progress.samples.withLock { $0 }
        var extra: [(String, JSONValue)] = [
            ("startup_ms", .double(Double(first - started) / 1e6)),
            ("rss_start_kb", .int(rssAtStart)),
            ("rss_samples_kb", .raw("[" + rss.map { "[\($0.0),\($0.1),\($0.2)]" }.joined(separator: ",") + "]")),
        ]
        if rss.count >= 2 {
            let growth = rss.last!.1 - rss.first!.1
            extra.append(("rss_growth_kb", .int(growth)))
            extra.append(("leak_check", .string(growth <= leakToleranceKb ? "pass" : "fail")))
        } else {
            extra.append(("leak_check", "n/a"))
        }
        printResult(
            name: common.name, bench: "drain",
            params: [("size", .int(common.size)), ("concurrency", .int(concurrency)), ("prefetch", .int(workerConfiguration.effectivePrefetchValue))],
            count: count, seconds: seconds, extra: extra
        )
    }
}

/// What the drain's no-op handler records. A class: escaping handlers cannot capture `Atomic`s.
final class DrainProgress: Sendable {
    let count: Int
    let rssEvery: Int
    let handled = SharedCounter()
    let firstStart = Atomic<UInt64>(0)
    let lastStart = Atomic<UInt64>(0)
    /// (handled, VmRSS kB, RssAnon kB)
    let samples = Mutex<[(Int, Int, Int)]>([])
    let finished = Completion()

    init(count: Int, rssEvery: Int) {
        self.count = count
        self.rssEvery = rssEvery
    }

    func handlerStarted() {
        let now = monotonicNanoseconds()
        _ = firstStart.compareExchange(expected: 0, desired: now, ordering: .relaxed)
        let n = handled.increment()
        if n % rssEvery == 0 {
            let rss = currentRSSKilobytes
            let anon = procStatusKilobytes("RssAnon")
            samples.withLock { $0.append((n, rss, anon)) }
        }
        if n == count {
            lastStart.store(monotonicNanoseconds(), ordering: .relaxed)
            finished.signal()
        }
    }
}

extension Worker.Configuration {
    /// The prefetch the worker uses (its own property is internal).
    var effectivePrefetchValue: Int { Int(prefetch ?? UInt16(clamping: concurrency * 2)) }
}

/// (5) Latency at a fixed low rate.
struct LatencyBenchmark: BlockingAsyncCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency",
        abstract: "Publish -> handler start at a fixed rate: p50/p90/p99/max.",
        discussion: """
            --layer worker: a TaskProducer enqueues one task every 1/--rate s (each enqueue in its own \
            task, so a slow confirm never delays the next), a Worker (concurrency 16) handles them; \
            latency = handler start - the time just before enqueue was called (JSON encoding included). \
            --layer amqp: WarrenAMQP alone, publish without confirms on one connection -> AMQPConsumer \
            on another (prefetch 256, ack each), like the C baseline's `latency`. The first 10 samples \
            (warm-up) are left out when --count >= 100.
            """
    )

    enum Layer: String, ExpressibleByArgument {
        case worker
        case amqp
    }

    @OptionGroup var common: CommonOptions

    @Option(help: "Messages per second.")
    var rate: Double = 100

    @Option(help: "worker (TaskProducer -> Worker handler) or amqp (publish -> AMQPConsumer).")
    var layer: Layer = .worker

    func runAsync() async throws {
        let configuration = try common.configuration()
        let count = common.count
        let interval = UInt64(1e9 / rate)
        let queue = benchmarkQueueName("latency")
        let recorder = LatencyRecorder(count: count)
        let received = recorder.received
        let finished = recorder.finished
        let start: UInt64

        /// Sleeps until `due` (CLOCK_MONOTONIC ns).
        func sleep(until due: UInt64) async throws {
            let now = monotonicNanoseconds()
            if due > now { try await Task.sleep(for: .nanoseconds(Int64(due - now))) }
        }

        switch layer {
        case .worker:
            var tasks = TaskRegistry()
            tasks.register(BenchTask.self) { task, _ in recorder.record(task.sentAt) }
            var workerConfiguration = Worker.Configuration(amqp: configuration, queue: benchmarkTaskQueue(queue), concurrency: 16)
            workerConfiguration.shutdownGracePeriod = .seconds(5)
            let worker = Worker(configuration: workerConfiguration, tasks: tasks)
            let publisher = try await AMQPConnection.connect(configuration)
            let producer = benchmarkProducer(publisher, window: 256)
            try await producer.declare(benchmarkTaskQueue(queue))
            let running = Task { try await worker.run() }
            // Give the worker time to declare and start consuming before measuring.
            try await Task.sleep(for: .milliseconds(500))
            let payload = String(repeating: "a", count: common.size)
            start = monotonicNanoseconds()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<count {
                    try await sleep(until: start + UInt64(i) * interval)
                    group.addTask {
                        let sentAt = monotonicNanoseconds()
                        try await producer.enqueue(BenchTask(id: i, sentAt: sentAt, payload: payload), to: queue)
                    }
                }
                try await group.waitForAll()
            }
            await waitOrTimeout(finished, seconds: 30)
            running.cancel()
            _ = try? await running.value
            await publisher.close()
            await deleteQueues([queue, queue + ".dead"], configuration: configuration)
        case .amqp:
            let consuming = try await AMQPConnection.connect(configuration)
            let publishing = try await AMQPConnection.connect(configuration)
            let consumerChannel = try await consuming.openChannel()
            try await consumerChannel.queueDeclare(queue, durable: true, arguments: benchmarkQueueArguments)
            try await consumerChannel.basicQos(prefetchCount: 256)
            let consumer = try await consumerChannel.consume(queue: queue)
            let reading = Task {
                var n = 0
                for try await delivery in consumer {
                    let sentAt = delivery.body.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                    recorder.record(sentAt)
                    try delivery.ack()
                    n += 1
                    if n == count { break }
                }
            }
            let channel = try await publishing.openChannel()
            var body = [UInt8](repeating: 0, count: max(8, common.size))
            start = monotonicNanoseconds()
            for i in 0..<count {
                try await sleep(until: start + UInt64(i) * interval)
                var sentAt = monotonicNanoseconds()
                withUnsafeBytes(of: &sentAt) { body.replaceSubrange(0..<8, with: $0) }
                try await channel.publish(body, routingKey: queue, properties: AMQPProperties(deliveryMode: .persistent))
            }
            await waitOrTimeout(finished, seconds: 30)
            reading.cancel()
            _ = try? await reading.value
            await publishing.close()
            await consuming.close()
            await deleteQueues([queue], configuration: configuration)
        }
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        let got = received.current
        guard got == count else { throw ValidationError("latency: \(got) of \(count) messages arrived") }
        let skip = count >= 100 ? 10 : 0
        printResult(
            name: common.name, bench: "latency",
            params: [("size", .int(common.size)), ("persistent", true), ("rate", .double(rate, digits: 0)), ("layer", .string(layer.rawValue)), ("warmup_skipped", .int(skip))],
            count: count, seconds: seconds, latency: recorder.samples.withLock { $0.json(skippingFirst: skip) }
        )
    }
}

/// Collects publish -> receive latencies from handlers or consumers.
final class LatencyRecorder: Sendable {
    let count: Int
    let samples = Mutex(LatencySamples())
    let received = SharedCounter()
    let finished = Completion()

    init(count: Int) {
        self.count = count
        samples.withLock { $0.reserve(count) }
    }

    func record(_ sentAt: UInt64) {
        let now = monotonicNanoseconds()
        samples.withLock { $0.add(nanoseconds: now &- sentAt) }
        if received.increment() == count { finished.signal() }
    }
}

/// Waits for `completion`, at most `seconds`.
func waitOrTimeout(_ completion: Completion, seconds: Double) async {
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await completion.wait() }
        group.addTask { try? await Task.sleep(for: .seconds(seconds)) }
        await group.next()
        group.cancelAll()
        completion.signal()
    }
}
