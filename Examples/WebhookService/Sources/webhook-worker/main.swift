// The webhook worker: takes DeliverWebhook tasks from the queue and POSTs their payloads. 2xx is
// success; 5xx, 408, 429, timeouts and connection errors are retried with back-off; other 4xx are
// dead-lettered at once. Lifecycle events tell the web service how each job goes.
//
//     swift run webhook-worker          # Ctrl-C stops it gracefully
//
// Settings: see WorkerSettings (WEBHOOK_* variables, AMQP_URL). See README.md.
import Foundation
import Logging
import ServiceLifecycle
import Warren
import WebhookDelivery
import WebhookShared

let environment = EnvironmentReader()
bootstrapLogging(environment)
exitWhenStandardInputCloses(environment)
let logger = Logger(label: "webhook-worker")
do {
    let settings = try WorkerSettings(environment: environment)
    let sender = WebhookSender(timeout: settings.timeout)
    var tasks = TaskRegistry()
    tasks.register(DeliverWebhook.self) { task, context in
        try await sender.deliver(task, context: context)
    }
    let worker = Worker(configuration: settings.workerConfiguration, tasks: tasks, logger: logger)
    logger.info(
        "webhook worker starting",
        metadata: [
            "queue": "\(settings.names.taskQueue)", "max_attempts": "\(settings.retryPolicy.maxAttempts)",
            "timeout": "\(settings.timeout)",
        ]
    )
    let group = ServiceGroup(services: [worker], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    try await group.run()
} catch {
    logger.critical("webhook-worker stopped: \(error)")
    exit(1)
}
