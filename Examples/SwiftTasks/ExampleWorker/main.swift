// A Warren worker for the example tasks. Run it, then run ExampleProducer:
//
//     swift run ExampleWorker            # Ctrl-C stops it gracefully
//     swift run ExampleProducer 20
//
// AMQP_URL picks the broker (default amqp://guest:guest@127.0.0.1:5672/%2F); EXAMPLE_QUEUE the queue.
import ExampleTasks
import Foundation
import Logging
import ServiceLifecycle
import Warren

/// Prints a line at once, also when the output is a pipe.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let failureRate = Double(ProcessInfo.processInfo.environment["EXAMPLE_FAILURE_RATE"] ?? "") ?? 0.3

var tasks = TaskRegistry()
tasks.register(ResizeImage.self) { task, context in
    try await Task.sleep(for: .milliseconds(20))
    say("resized image \(task.imageID) to \(task.width)px [\(context.messageID)]")
}
tasks.register(ChargeCard.self) { task, context in
    if task.card == ChargeCard.declinedCard {
        throw GatewayError("card \(task.card) declined")
    }
    if Double.random(in: 0..<1) < failureRate {
        throw GatewayError("payment gateway timed out (attempt \(context.attempt))")
    }
    say("charged \(task.cents) cents for order \(task.orderID) [\(context.messageID), attempt \(context.attempt)]")
}

var logger = Logger(label: "example-worker")
logger.logLevel = .info
let configuration = Worker.Configuration(
    amqp: try AMQPConnection.Configuration.fromEnvironment(),
    queue: TaskQueue(exampleQueueName()),
    concurrency: 8,
    retryPolicy: RetryPolicy(maxAttempts: 4, initialDelay: .milliseconds(500), multiplier: 2, maxDelay: .seconds(10))
)
let worker = Worker(configuration: configuration, tasks: tasks, logger: logger)
let group = ServiceGroup(services: [worker], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
try await group.run()
