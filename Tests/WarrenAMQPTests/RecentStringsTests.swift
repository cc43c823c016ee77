import CRabbitMQ
import Testing
@testable import WarrenAMQP

@Suite("RecentStrings")
struct RecentStringsTests {
    private func decode(_ bytes: [UInt8], slot: Int, in cache: inout RecentStrings) -> String {
        var copy = bytes
        return copy.withUnsafeMutableBytes { buffer in
            cache.string(amqp_bytes_t(len: buffer.count, bytes: buffer.baseAddress), slot: slot)
        }
    }

    @Test("each slot decodes its bytes, keeps them while they repeat, and follows when they change")
    func slots() {
        var cache = RecentStrings(slots: 2)
        let tag = Array("amq.ctag-a-rather-long-consumer-tag".utf8)
        #expect(decode(tag, slot: 0, in: &cache) == "amq.ctag-a-rather-long-consumer-tag")
        #expect(decode(tag, slot: 0, in: &cache) == "amq.ctag-a-rather-long-consumer-tag")
        #expect(decode(Array("orders".utf8), slot: 1, in: &cache) == "orders")
        #expect(decode(Array("amq.ctag-another".utf8), slot: 0, in: &cache) == "amq.ctag-another")
        #expect(decode(Array("orders".utf8), slot: 1, in: &cache) == "orders")
        #expect(decode([], slot: 1, in: &cache) == "")
        // Invalid UTF-8 is replaced, and the same bytes again still decode the same way.
        #expect(decode([0x61, 0xFF], slot: 1, in: &cache) == "a\u{FFFD}")
        #expect(decode([0x61, 0xFF], slot: 1, in: &cache) == "a\u{FFFD}")
    }
}
