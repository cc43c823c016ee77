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
import Warren

/// (1) Publishing through WarrenAMQP.
struct PublishBenchmark: BlockingAsyncCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish persistent messages to a durable queue through WarrenAMQP.",
        discussion: """
            With confirms, --in-flight tasks each publish one message at a time and await its confirm, \
            and the channel's maxOutstanding is --in-flight too: at most that many publishes wait for \
            the broker (the C baseline's --confirm-window). --window sets maxOutstanding apart: with \
            more tasks than the window, publishes wait in the client and the I/O thread sends the next \
            one as soon as a confirm frees a slot, as C's loop does. Without confirms, --in-flight tasks \
            await each publish's write. Latency: publish call -> return (the confirm, with confirms).
            """
    )

    @OptionGroup var common: CommonOptions

    @Flag(inversion: .prefixedNo, help: "Use publisher confirms.")
    var confirms = true

    @Option(help: "Publishes in flight at once (concurrent publishing tasks).")
    var inFlight: Int = 256

    @Option(help: "Instead of one publish per task: each task publishes batches of this many messages (publish([...])).")
    var batch: Int = 1

    @Option(help: "The channel's maxOutstanding (default: --in-flight × --batch).")
    var window: Int?

    func runAsync() async throws {
        let configuration = try common.configuration()
        let queue = benchmarkQueueName("publish")
        let count = common.count
        let batch = max(1, batch)
        let inFlight = max(1, inFlight)
        let window = max(1, window ?? inFlight * batch)
        let (seconds, latency) = try await AMQPConnection.withConnection(configuration) { connection in
            let channel = try await connection.openChannel()
            try await channel.queueDeclare(queue, durable: true, arguments: benchmarkQueueArguments)
            if confirms { try await channel.confirmSelect(maxOutstanding: window) }
            let message = persistentMessage(size: common.size, queue: queue)
            let messages = Array(repeating: message, count: batch)
            let next = SharedCounter()
            let start = monotonicNanoseconds()
            let latency = try await withThrowingTaskGroup(of: LatencySamples.self) { group in
                for _ in 0..<inFlight {
                    group.addTask {
                        var samples = LatencySamples()
                        samples.reserve(count / inFlight + 1)
                        while true {
                            let first = next.next() * batch
                            guard first < count else { break }
                            let sent = monotonicNanoseconds()
                            if batch == 1 {
                                try await channel.publish(message)
                            } else {
                                try await channel.publish(first + batch <= count ? messages : Array(messages[0..<(count - first)]))
                            }
                            samples.add(nanoseconds: monotonicNanoseconds() - sent)
                        }
                        return samples
                    }
                }
                var all = LatencySamples()
                all.reserve(count)
                for try await samples in group { all.add(samples) }
                return all
            }
            return (Double(monotonicNanoseconds() - start) / 1e9, latency)
        }
        var params: [(String, JSONValue)] = [("size", .int(common.size)), ("persistent", true), ("confirms", .bool(confirms)), ("in_flight", .int(inFlight))]
        if confirms { params.append(("window", .int(window))) }
        if batch > 1 { params.append(("batch", .int(batch))) }
        printResult(name: common.name, bench: "publish", params: params, count: count, seconds: seconds, latency: latency.json())
        await deleteQueues([queue], configuration: configuration)
    }
}

/// (2) Consuming through WarrenAMQP.
struct ConsumeBenchmark: BlockingAsyncCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Consume persistent messages with manual acks through WarrenAMQP.",
        discussion: """
            A separate connection first fills a durable queue with --count persistent messages \
            (untimed); then basic.qos(--prefetch), basic.consume, and the AMQPConsumer loop acks each \
            message (--ack-every 1) or acks with multiple every K messages. Timed from basic.consume \
            to the last ack submitted.
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(help: "basic.qos prefetch count.")
    var prefetch: UInt16 = 256

    @Option(help: "Ack every message (1), or one ack with multiple every K messages (K <= prefetch).")
    var ackEvery: Int = 1

    @Option(help: "Consume this queue, already filled (`fill --raw --queue Q`), instead of filling one here.")
    var queue: String?

    @Flag(help: "Delete the queue afterwards, also when it was given with --queue.")
    var delete = false

    func validate() throws {
        guard ackEvery >= 1, ackEvery == 1 || ackEvery <= Int(prefetch) else {
            throw ValidationError("--ack-every must be between 1 and the prefetch")
        }
    }

    func runAsync() async throws {
        let configuration = try common.configuration()
        let queue = self.queue ?? benchmarkQueueName("consume")
        let count = common.count
        if self.queue == nil {
            try await fillQueue(queue, count: count, size: common.size, configuration: configuration)
        }
        resetPeakRSS()
        let seconds = try await AMQPConnection.withConnection(configuration) { connection in
            let channel = try await connection.openChannel()
            try await channel.basicQos(prefetchCount: prefetch)
            let start = monotonicNanoseconds()
            let consumer = try await channel.consume(queue: queue)
            var received = 0
            for try await delivery in consumer {
                received += 1
                if ackEvery == 1 {
                    try delivery.ack()
                } else if received % ackEvery == 0 || received == count {
                    try delivery.ack(multiple: true)
                }
                if received == count { break }
            }
            let seconds = Double(monotonicNanoseconds() - start) / 1e9
            guard received == count else { throw ValidationError("the consumer ended after \(received) of \(count) messages") }
            return seconds
        }
        printResult(
            name: common.name, bench: "consume",
            params: [("size", .int(common.size)), ("persistent", true), ("prefetch", .int(Int(prefetch))), ("ack_every", .int(ackEvery)), ("multiple", .bool(ackEvery > 1))],
            count: count, seconds: seconds
        )
        if self.queue == nil || delete { await deleteQueues([queue], configuration: configuration) }
    }
}
