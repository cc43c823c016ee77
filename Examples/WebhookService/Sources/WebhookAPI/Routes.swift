import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Warren
import WebhookShared

/// The HTTP API:
/// - `POST /webhooks/deliver`: validate, store the job, enqueue its task, answer `202 Accepted`
///   with `{"job_id", "status": "queued"}`. A repeated `Idempotency-Key` answers `200 OK` with the
///   job it already names and its current status, and enqueues nothing.
/// - `GET /webhooks/jobs/{id}`: the job, or 404.
/// - `GET /healthz`: `{"status": "ok", "events": "subscribed" | "connecting", "task_queue":
///   "declared" | "declaring"}`: ready for traffic when both are done (`task_queue` is the Warren
///   client's readiness: connected, with the task queue declared).
struct WebhookRoutes: Sendable {
    /// The largest request body accepted.
    static let maxBodySize = 1 << 20

    let store: JobStore
    let warren: WarrenClient
    let taskQueue: TaskQueue
    let subscriber: EventSubscriber
    let logger: Logger

    /// Adds the routes to `router`.
    func register(on router: Router<BasicRequestContext>) {
        router.post("/webhooks/deliver") { request, context in
            await deliver(request, context: context)
        }
        router.get("/webhooks/jobs/{id}") { _, context in
            await job(id: context.parameters.get("id") ?? "")
        }
        router.get("/healthz") { _, _ in
            JSONResponse.make(
                .ok,
                [
                    "status": "ok", "events": subscriber.isSubscribed ? "subscribed" : "connecting",
                    "task_queue": warren.isReady ? "declared" : "declaring",
                ]
            )
        }
    }

    private func deliver(_ request: Request, context: BasicRequestContext) async -> Response {
        var request = request
        let parsed: DeliverRequest
        let key: String?
        do {
            key = try request.headers[Self.idempotencyKey].map(checkedIdempotencyKey)
            let body = try await request.collectBody(upTo: Self.maxBodySize)
            parsed = try DeliverRequest.parse(Data(body.readableBytesView))
        } catch let error as RequestError {
            return JSONResponse.error(.badRequest, error.message)
        } catch {
            return JSONResponse.error(.contentTooLarge, "the request body is larger than \(Self.maxBodySize) bytes")
        }
        let jobID = key.map(JobID.derived(fromIdempotencyKey:)) ?? JobID.random()
        let clock = ContinuousClock()
        let start = clock.now
        var logger = self.logger
        logger[metadataKey: "job_id"] = "\(jobID)"
        do {
            switch try await store.create(jobID: jobID, idempotencyKey: key, request: parsed) {
            case .existing(let job, sameRequest: true):
                return JSONResponse.make(.ok, Accepted(jobID: job.jobID, status: job.status), headers: [Self.replayed: "true"])
            case .existing:
                return JSONResponse.error(
                    .unprocessableContent,
                    "this Idempotency-Key was already used for a different target_url or payload"
                )
            case .created:
                break
            }
        } catch {
            logger.error("could not store the job", metadata: ["error": "\(error)"])
            return JSONResponse.error(.serviceUnavailable, "could not store the job; try again")
        }
        let stored = clock.now
        do {
            let task = DeliverWebhook(jobID: jobID, targetURL: parsed.targetURL, payload: parsed.payload)
            // The message id is the job id, the correlation id the HTTP request's.
            let options = EnqueueOptions(messageID: task.jobID, correlationID: context.id)
            try await warren.enqueue(task, to: taskQueue, options: options)
        } catch {
            // Not enqueued: remove the job so that the same Idempotency-Key can be tried again.
            logger.error("could not enqueue the job; removing it", metadata: ["error": "\(error)"])
            try? await store.delete(jobID)
            return JSONResponse.error(.serviceUnavailable, "could not enqueue the job (the queue is unavailable); try again")
        }
        logger.info(
            "job accepted",
            metadata: [
                "target_url": "\(parsed.targetURL)", "store_ms": "\(Self.milliseconds(stored - start))",
                "enqueue_ms": "\(Self.milliseconds(clock.now - stored))",
            ]
        )
        return JSONResponse.make(.accepted, Accepted(jobID: jobID, status: .queued), headers: [.location: "/webhooks/jobs/\(jobID)"])
    }

    private func job(id: String) async -> Response {
        guard JobID.isWellFormed(id) else {
            return JSONResponse.error(.notFound, "no job '\(id.prefix(80))'")
        }
        do {
            guard let job = try await store.job(id) else {
                return JSONResponse.error(.notFound, "no job '\(id)'")
            }
            return JSONResponse.make(.ok, job)
        } catch {
            logger.error("could not read the job", metadata: ["job_id": "\(id)", "error": "\(error)"])
            return JSONResponse.error(.serviceUnavailable, "could not read the job; try again")
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    private static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    private static let replayed = HTTPField.Name("Idempotent-Replayed")!
}
