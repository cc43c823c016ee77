import Instrumentation
import Logging
import WarrenAMQP

/// Writes a trace context into a message's headers, under the keys the tracer's propagator chooses:
/// with OpenTelemetry's W3C propagator (swift-otel), `traceparent` and `tracestate`, as
/// OpenTelemetry's RabbitMQ instrumentations in other languages write and read them.
struct TraceHeadersInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout AMQPTable) {
        carrier[key] = .string(value)
    }
}

/// Reads a trace context from a message's headers. A `traceparent` that is not a W3C trace parent is
/// ignored with a debug line, so the task starts a new trace instead of failing.
struct TraceHeadersExtractor: Extractor {
    let logger: Logger

    func extract(key: String, from carrier: AMQPTable) -> String? {
        guard let value = carrier[key]?.stringValue else { return nil }
        if key == "traceparent", !Self.isTraceParent(value) {
            logger.debug("ignoring a malformed traceparent header", metadata: ["traceparent": "\(value.prefix(80))"])
            return nil
        }
        return value
    }

    /// `version-traceid-parentid-flags`: 2, 32, 16 and 2 lower-case hex digits; the trace and parent
    /// ids not all zero (W3C Trace Context, section 3.2).
    static func isTraceParent(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4 else { return false }
        let lengths = [2, 32, 16, 2]
        for (part, length) in zip(parts, lengths) {
            guard part.utf8.count == length, part.utf8.allSatisfy({ ("0"..."9").contains(Character(UnicodeScalar($0))) || ("a"..."f").contains(Character(UnicodeScalar($0))) }) else {
                return false
            }
        }
        guard parts[0] != "ff" else { return false }
        return parts[1].contains { $0 != "0" } && parts[2].contains { $0 != "0" }
    }
}
