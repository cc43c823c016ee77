import Testing

@testable import Warren

struct Webhook: WarrenTask {
    static let name = "webhook"
    var url: String
    var attempts: [Int]
    var note: String?
}

@Suite("TaskJSON")
struct TaskJSONTests {
    @Test("a task encodes with slashes unescaped, leaves nil optionals out, and decodes back")
    func roundTrip() throws {
        let task = Webhook(url: "https://example.com/hooks/1", attempts: [1, 2], note: nil)
        let bytes = try TaskJSON.encode(task)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#""url":"https://example.com/hooks/1""#))
        #expect(!text.contains("note"))
        let back = try TaskJSON.decode(Webhook.self, from: bytes)
        #expect(back.url == task.url && back.attempts == task.attempts && back.note == nil)
    }

    @Test("poison bodies are told apart: not JSON, and JSON of the wrong shape with the missing key named")
    func poisonBodies() {
        #expect(throws: PoisonMessage.self) { try PayloadDecoder.decode(Webhook.self, from: Array("{\"url\":".utf8)) }
        do {
            _ = try PayloadDecoder.decode(Webhook.self, from: Array(#"{"url":"x"}"#.utf8))
            Issue.record("decoded a body without 'attempts'")
        } catch let poison as PoisonMessage {
            #expect(poison.reason == .undecodablePayload)
            #expect(poison.detail.contains("missing key 'attempts'"))
        } catch {
            Issue.record("unexpected \(error)")
        }
        do {
            _ = try PayloadDecoder.decode(Webhook.self, from: Array("[1,".utf8))
        } catch let poison as PoisonMessage {
            #expect(poison.reason == .invalidJSON)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
