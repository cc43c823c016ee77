import Foundation
import Testing
@testable import WebhookAPI
import WebhookDelivery
import WebhookShared

@Suite("Job ids")
struct JobIDTests {
    @Test("SHA-256 matches the FIPS 180-4 examples")
    func sha256() {
        func hex(_ text: String) -> String { SHA256.hash(Array(text.utf8)).map { String(format: "%02x", $0) }.joined() }
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
    }

    @Test("A key always gives the same UUID-shaped id; other keys other ids")
    func derived() {
        let id = JobID.derived(fromIdempotencyKey: "order-42")
        #expect(id == JobID.derived(fromIdempotencyKey: "order-42"))
        #expect(id != JobID.derived(fromIdempotencyKey: "order-43"))
        #expect(JobID.isWellFormed(id))
        #expect(Array(id)[14] == "8", "version 8")
        #expect(JobID.isWellFormed(JobID.random()))
        #expect(!JobID.isWellFormed("../etc/passwd"))
    }

    @Test("Idempotency keys: 1 to 255 visible ASCII characters")
    func keys() throws {
        #expect(try checkedIdempotencyKey("abc-123_X.y") == "abc-123_X.y")
        #expect(throws: RequestError.self) { try checkedIdempotencyKey("") }
        #expect(throws: RequestError.self) { try checkedIdempotencyKey("has space") }
        #expect(throws: RequestError.self) { try checkedIdempotencyKey(String(repeating: "k", count: 256)) }
    }
}

@Suite("Request validation")
struct DeliverRequestTests {
    @Test("A valid request keeps its payload exactly")
    func valid() throws {
        let body = #"{"target_url": "HTTPS://example.com:8443/a?b=c", "payload": {"big": 9007199254740993, "f": 0.5, "s": "x/y", "n": null, "l": [true]}, "extra": 1}"#
        let request = try DeliverRequest.parse(Data(body.utf8))
        #expect(request.targetURL == "HTTPS://example.com:8443/a?b=c")
        #expect(
            request.payload
                == .object(["big": .integer(9_007_199_254_740_993), "f": .double(0.5), "s": .string("x/y"), "n": .null, "l": .array([.bool(true)])])
        )
        let json = String(decoding: try request.payload.canonicalJSON(), as: UTF8.self)
        #expect(json == #"{"big":9007199254740993,"f":0.5,"l":[true],"n":null,"s":"x/y"}"#)
    }

    @Test("Invalid requests are refused with a message naming the problem")
    func invalid() {
        let cases = [
            (" ", "empty"), ("nope", "not valid JSON"), ("42", "not a number"), (#"{"payload":{}}"#, "target_url is missing"),
            (#"{"target_url":"mailto:a@b.c","payload":{}}"#, "http or https"), (#"{"target_url":"https://x.y","payload":null}"#, "not null"),
        ]
        for (body, expected) in cases {
            #expect {
                try DeliverRequest.parse(Data(body.utf8))
            } throws: { error in
                (error as? RequestError)?.message.contains(expected) == true
            }
        }
    }
}

@Suite("Delivery verdicts")
struct DeliveryVerdictTests {
    @Test("2xx delivered; 5xx, 408 and 429 retried; other 4xx and 3xx refused")
    func verdicts() {
        #expect(DeliveryVerdict.judge(status: 200) == .delivered)
        #expect(DeliveryVerdict.judge(status: 204) == .delivered)
        for status in [500, 502, 503, 408, 429] {
            guard case .retry(let reason) = DeliveryVerdict.judge(status: status, body: Data("busy\nnow".utf8)) else {
                Issue.record("\(status) is not retried")
                continue
            }
            #expect(reason == "target answered HTTP \(status): busy now")
        }
        #expect(DeliveryVerdict.judge(status: 404) == .refuse("target answered HTTP 404; not retried"))
        for status in [400, 401, 404, 410, 422, 301, 302] {
            guard case .refuse = DeliveryVerdict.judge(status: status) else {
                Issue.record("\(status) is not refused")
                continue
            }
        }
    }
}
