import Logging
import Testing

@testable import Warren

@Suite("Trace headers")
struct TraceHeadersTests {
    @Test("W3C trace parents are recognised; malformed ones are not", arguments: [
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", true),
        ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", false),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false),
        ("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false),
        ("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false),
        ("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", false),
        ("garbage", false),
        ("", false),
    ])
    func traceParent(value: String, valid: Bool) {
        #expect(TraceHeadersExtractor.isTraceParent(value) == valid)
    }

    @Test("the extractor passes a good traceparent and tracestate through and drops a malformed traceparent")
    func extraction() {
        let extractor = TraceHeadersExtractor(logger: Logger(label: "test"))
        let good: AMQPTable = ["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate": "vendor=1"]
        #expect(extractor.extract(key: "traceparent", from: good) == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        #expect(extractor.extract(key: "tracestate", from: good) == "vendor=1")
        let bad: AMQPTable = ["traceparent": "not-a-trace-parent"]
        #expect(extractor.extract(key: "traceparent", from: bad) == nil)
        #expect(extractor.extract(key: "missing", from: good) == nil)
    }

    @Test("the injector writes string headers")
    func injection() {
        var headers: AMQPTable = ["x-other": 1]
        TraceHeadersInjector().inject("00-abc", forKey: "traceparent", into: &headers)
        #expect(headers["traceparent"] == .string("00-abc"))
        #expect(headers["x-other"] == 1)
    }
}
