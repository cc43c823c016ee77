import FoundationEssentials
@testable import Warren
import Testing

@Suite("Payload decoding")
struct PayloadDecoderTests {
    struct Payload: Codable, Equatable {
        var id: Int
        var name: String
    }

    @Test("valid payloads decode")
    func decodes() throws {
        let payload = try PayloadDecoder.decode(Payload.self, from: Array(#"{"id":1,"name":"x","extra":true}"#.utf8))
        #expect(payload == Payload(id: 1, name: "x"))
    }

    @Test("invalid JSON and the wrong shape are told apart, with where it went wrong", arguments: [
        ("not json", "invalid-json", ""),
        (#"{"id":1"#, "invalid-json", ""),
        ("", "invalid-json", ""),
        (#"{"name":"x"}"#, "undecodable-payload", "missing key 'id'"),
        (#"{"id":"one","name":"x"}"#, "undecodable-payload", "expected Int at id"),
        (#"[1,2]"#, "undecodable-payload", ""),
    ])
    func classifies(body: String, reason: String, detail: String) {
        do {
            _ = try PayloadDecoder.decode(Payload.self, from: Array(body.utf8))
            Issue.record("expected a failure for \(body)")
        } catch let poison as PoisonMessage {
            #expect(poison.reason.rawValue == reason)
            #expect(detail.isEmpty || poison.detail.contains(detail), "\(poison.detail)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("raw handlers accept any JSON value and refuse the rest")
    func validatesJSON() {
        #expect(throws: Never.self) { try PayloadDecoder.validateJSON(Array("42".utf8)) }
        #expect(throws: Never.self) { try PayloadDecoder.validateJSON(Array(#"{"a":[1,null]}"#.utf8)) }
        #expect(throws: PoisonMessage.self) { try PayloadDecoder.validateJSON(Array("{oops".utf8)) }
    }

    /// What Foundation's JSON parser accepts, as `JSONSerialization` did before: it also takes a
    /// trailing comma, and refuses a number no `Double` can hold.
    @Test("what counts as JSON", arguments: [
        (#""text""#, true), ("true", true), ("null", true), ("-0.5e-3", true),
        (#"[[], {}, [{"deep": [1, "two", false, null]}]]"#, true), ("[1,]", true),
        ("", false), ("[1, 2", false), ("{\"a\" 1}", false), ("nul", false), ("'single'", false), ("1e400", false),
    ])
    func jsonSyntax(text: String, valid: Bool) {
        #expect(JSONSyntax.isValid(Data(text.utf8)) == valid, "\(text)")
    }
}
