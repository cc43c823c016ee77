import Warren
import WebhookShared

/// The worker's settings, from environment variables:
///
/// | variable | default | |
/// | --- | --- | --- |
/// | `WEBHOOK_MAX_ATTEMPTS` | 5 | attempts in all, the first included |
/// | `WEBHOOK_INITIAL_DELAY_MS` | 1000 | the pause after the first failure; doubles each time |
/// | `WEBHOOK_MAX_DELAY_MS` | 300000 | the longest pause |
/// | `WEBHOOK_TIMEOUT_MS` | 10000 | the time limit of one POST |
/// | `WEBHOOK_CONCURRENCY` | 16 | deliveries at once |
/// | `WEBHOOK_TASK_QUEUE`, `WEBHOOK_EVENTS_EXCHANGE`, `AMQP_URL` | | see ``SharedNames`` |
public struct WorkerSettings: Sendable {
    /// Retries: exponential back-off with ±10 % jitter.
    public var retryPolicy: RetryPolicy
    /// The time limit of one POST.
    public var timeout: Duration
    /// Deliveries at once.
    public var concurrency: Int
    /// The task queue and events exchange.
    public var names: SharedNames
    /// The broker.
    public var amqp: AMQPConnection.Configuration

    /// Reads the settings from the environment.
    public init(environment reader: EnvironmentReader) throws {
        let maxAttempts = try reader.integer("WEBHOOK_MAX_ATTEMPTS", default: 5, in: 1...100)
        let initialDelay = try reader.milliseconds("WEBHOOK_INITIAL_DELAY_MS", default: .seconds(1), in: 0...86_400_000)
        let maxDelay = try reader.milliseconds("WEBHOOK_MAX_DELAY_MS", default: .seconds(300), in: 0...86_400_000)
        retryPolicy = RetryPolicy(maxAttempts: maxAttempts, initialDelay: initialDelay, multiplier: 2, maxDelay: maxDelay, jitter: 0.1)
        timeout = try reader.milliseconds("WEBHOOK_TIMEOUT_MS", default: .seconds(10), in: 1...3_600_000)
        concurrency = try reader.integer("WEBHOOK_CONCURRENCY", default: 16, in: 1...1024)
        names = SharedNames(reader)
        amqp = try reader.amqp()
    }

    /// The Warren worker configuration: events on, a handler time limit a little above the POST's.
    public var workerConfiguration: Worker.Configuration {
        Worker.Configuration(
            amqp: amqp,
            queue: TaskQueue(names.taskQueue),
            concurrency: concurrency,
            retryPolicy: retryPolicy,
            timeLimit: timeout + .seconds(5),
            shutdownGracePeriod: timeout + .seconds(1),
            events: TaskEvents(exchange: names.eventsExchange)
        )
    }
}
