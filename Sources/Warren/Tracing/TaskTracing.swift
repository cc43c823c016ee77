import Instrumentation
import Logging
import Tracing
import WarrenAMQP

/// Warren's spans, made with swift-distributed-tracing's `Tracer`: one producer span per enqueue,
/// whose context goes into the message's headers, and one consumer span per attempt, the child of that
/// context. Resolved once per producer and worker; with no tracer bootstrapped (`NoOpTracer`) Warren
/// makes no spans and touches no headers.
struct TaskTracing: Sendable {
    let tracer: any Tracer

    /// The tracing to use: `configured`, else the bootstrapped `InstrumentationSystem.tracer`; nil when
    /// that is the no-op tracer.
    static func resolve(_ configured: (any Tracer)?) -> TaskTracing? {
        let tracer = configured ?? InstrumentationSystem.tracer
        if tracer is NoOpTracer { return nil }
        return TaskTracing(tracer: tracer)
    }

    // MARK: - Producing

    /// Runs `publish` inside a producer span named `publish <destination>` and gives it a function that
    /// writes the span's context into a message's headers.
    func producing<Result>(
        destination: String,
        isExchange: Bool,
        taskName: String,
        messageID: String?,
        messages: Int,
        _ publish: (_ inject: (inout AMQPOutboundMessage) -> Void) async throws -> Result
    ) async throws -> Result {
        try await tracer.withSpan("publish \(destination)", ofKind: .producer) { span in
            span.attributes["messaging.system"] = "rabbitmq"
            span.attributes["messaging.operation.name"] = "publish"
            span.attributes["messaging.operation.type"] = "send"
            span.attributes["messaging.destination.name"] = isExchange ? destination : ""
            span.attributes["messaging.rabbitmq.destination.routing_key"] = isExchange ? "" : destination
            span.attributes["warren.task.name"] = taskName
            if let messageID { span.attributes["messaging.message.id"] = messageID }
            if messages > 1 { span.attributes["messaging.batch.message_count"] = messages }
            let context = span.context
            let tracer = self.tracer
            return try await publish { message in
                var headers = message.properties.headers ?? [:]
                tracer.inject(context, into: &headers, using: TraceHeadersInjector())
                message.properties.headers = headers
            }
        }
    }

    // MARK: - Processing

    /// Runs an attempt inside a consumer span named `process <task>`, the child of the context in the
    /// message's headers (a new trace when there is none).
    func processing(
        taskName: String,
        queue: String,
        messageID: String,
        attempt: Int,
        headers: AMQPTable,
        logger: Logger,
        _ body: (any Span) async -> Void
    ) async {
        var parent = ServiceContext.topLevel
        tracer.extract(headers, into: &parent, using: TraceHeadersExtractor(logger: logger))
        await tracer.withSpan("process \(taskName.isEmpty ? queue : taskName)", context: parent, ofKind: .consumer) { span in
            span.attributes["messaging.system"] = "rabbitmq"
            span.attributes["messaging.operation.name"] = "process"
            span.attributes["messaging.operation.type"] = "process"
            span.attributes["messaging.destination.name"] = queue
            span.attributes["messaging.message.id"] = messageID
            span.attributes["warren.task.name"] = taskName
            span.attributes["warren.attempt"] = attempt
            await body(span)
        }
    }

    /// Records how an attempt ended on its span.
    static func record(_ disposition: TaskDisposition, failure: (any Error)?, on span: any Span) {
        switch disposition {
        case .succeeded:
            span.attributes["warren.outcome"] = "succeeded"
        case .retry(let delay):
            span.attributes["warren.outcome"] = "retry"
            span.attributes["warren.retry_delay_ms"] = Int(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)
        case .deadLetter(let reason):
            span.attributes["warren.outcome"] = "dead-letter"
            span.attributes["warren.dead_reason"] = reason.rawValue
        case .handBack:
            span.attributes["warren.outcome"] = "handed-back"
        }
        if let failure {
            span.recordError(failure)
            span.setStatus(SpanStatus(code: .error, message: TaskRunner.describe(failure)))
        }
    }
}
