import Foundation
@testable import Warren
import Testing

@Suite("Task events")
struct TaskEventTests {
    @Test("events encode as documented snake_case JSON with ISO 8601 millisecond dates")
    func encoding() throws {
        let event = TaskEvent(
            kind: .retrying, task: "charge-card", messageID: "m-1", correlationID: "req-9", queue: "payments",
            attempt: 2, maxAttempts: 5, at: Date(timeIntervalSince1970: 1_700_000_000.25),
            enqueuedAt: Date(timeIntervalSince1970: 1_700_000_000), durationMilliseconds: 12.5,
            error: "declined", retryInMilliseconds: 2000, worker: "host-42"
        )
        let json = String(decoding: try TaskEvent.encoder.encode(event), as: UTF8.self)
        #expect(json.contains(#""event":"task.retrying""#))
        #expect(json.contains(#""message_id":"m-1""#))
        #expect(json.contains(#""correlation_id":"req-9""#))
        #expect(json.contains(#""max_attempts":5"#))
        #expect(json.contains(#""retry_in_ms":2000"#))
        #expect(json.contains(#""duration_ms":12.5"#))
        #expect(json.contains(#""at":"2023-11-14T22:13:20.250Z""#), "\(json)")
        #expect(!json.contains("dead_letter_reason"))
    }

    @Test("every kind has the documented routing key")
    func kinds() {
        #expect(TaskEvent.Kind.allCases.map(\.rawValue) == ["task.started", "task.succeeded", "task.retrying", "task.dead-lettered"])
    }
}

@Suite("Message ids")
struct MessageIDTests {
    @Test("ids have the UUID form and do not repeat")
    func unique() {
        #expect(MessageIDs.format(high: 0x0123_4567_89ab_cdef, low: 0xfedc_ba98_7654_3210) == "01234567-89ab-cdef-fedc-ba9876543210")
        let ids = (0..<10_000).map { _ in MessageIDs.next() }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 36 && $0.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12] })
        // The process's random half, written once, then the counter: lowercase hex throughout.
        #expect(ids.allSatisfy { $0.prefix(19) == ids[0].prefix(19) })
        #expect(ids.allSatisfy { $0.allSatisfy { "0123456789abcdef-".contains($0) } })
        #expect(Set(ids.map { $0.suffix(17) }).count == ids.count)
        // Version 4 and the RFC variant: the 13th hex digit is 4, the 17th one of 8, 9, a, b.
        #expect(ids.allSatisfy { id in
            let digits = Array(id.replacingOccurrences(of: "-", with: ""))
            return digits[12] == "4" && "89ab".contains(digits[16])
        })
    }
}
