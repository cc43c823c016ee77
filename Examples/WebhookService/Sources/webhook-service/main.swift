// The web service: `POST /webhooks/deliver` answers 202 at once with a job id; a Warren worker
// (`webhook-worker`) delivers the webhook; `GET /webhooks/jobs/{id}` tells how it went.
//
//     swift run webhook-service --port 8080 --db webhooks.sqlite
//
// Settings: see ServiceSettings (flags, WEBHOOK_* variables, AMQP_URL). See README.md.
import Foundation
import Logging
import WebhookAPI
import WebhookShared

let environment = EnvironmentReader()
bootstrapLogging(environment)
exitWhenStandardInputCloses(environment)
let logger = Logger(label: "webhook-service")
do {
    let settings = try ServiceSettings(arguments: Array(CommandLine.arguments.dropFirst()), environment: environment)
    try await WebhookServiceApp.run(settings, logger: logger)
} catch {
    logger.critical("webhook-service stopped: \(error)")
    exit(1)
}
