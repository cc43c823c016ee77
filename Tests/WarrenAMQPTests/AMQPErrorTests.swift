import Testing
@testable import WarrenAMQP

private struct SocketFailure: Error, CustomStringConvertible {
    var description: String { "ECONNRESET" }
}

@Suite("AMQPError")
struct AMQPErrorTests {
    @Test("the description carries the code, message, reply, operation, object and channel")
    func fullDescription() {
        let error = AMQPError(
            .channelClosed,
            "the broker closed channel 3",
            replyCode: 404,
            replyText: "NOT_FOUND - no queue 'orders' in vhost '/'",
            operation: "queue.declare",
            object: "queue 'orders'",
            channel: 3
        )
        let text = error.description
        #expect(text.contains("channelClosed"))
        #expect(text.contains("the broker closed channel 3"))
        #expect(text.contains("404"))
        #expect(text.contains("NOT_FOUND - no queue 'orders' in vhost '/'"))
        #expect(text.contains("queue.declare"))
        #expect(text.contains("queue 'orders'"))
        #expect(text.contains("channel 3"))
        #expect(!text.contains("caused by"))
        #expect(
            text == "AMQPError.channelClosed: the broker closed channel 3 (reply 404 NOT_FOUND - no queue 'orders' "
                + "in vhost '/', during queue.declare, on queue 'orders', channel 3)"
        )
    }

    @Test("a description without context is the code and the message only")
    func bareDescription() {
        let error = AMQPError(.timeout, "no answer")
        #expect(error.description == "AMQPError.timeout: no answer")
    }

    @Test("a reply text without a reply code is still shown")
    func replyTextWithoutCode() {
        let error = AMQPError(.connectionClosed, "closed", replyText: "CONNECTION_FORCED")
        #expect(error.description.contains("reply CONNECTION_FORCED"))
    }

    @Test("the underlying error is shown after the context")
    func underlyingInDescription() {
        let error = AMQPError(.connectionLost, "the connection was lost", channel: 1, underlying: SocketFailure())
        #expect(error.description.hasSuffix("; caused by: ECONNRESET"))
        #expect(error.description.contains("channel 1"))
    }

    @Test("codes compare equal to themselves and unequal to others")
    func codeEquality() {
        let codes: [AMQPError.Code] = [
            .invalidArgument, .connectionFailed, .authenticationFailed, .virtualHostNotAccessible,
            .connectionClosed, .connectionLost, .channelClosed, .timeout, .publishNacked, .unroutable,
            .consumerCancelled, .protocolError, .resourceExhausted,
        ]
        for (i, lhs) in codes.enumerated() {
            for (j, rhs) in codes.enumerated() {
                #expect((lhs == rhs) == (i == j), "\(lhs) vs \(rhs)")
            }
        }
        #expect(Set(codes).count == codes.count)
        #expect(Set(codes.map(\.description)).count == codes.count)
        #expect(AMQPError(.timeout, "a").code == AMQPError(.timeout, "b").code)
        #expect(AMQPError(.timeout, "a").code != AMQPError(.channelClosed, "a").code)
    }

    @Test("code descriptions are their names")
    func codeDescriptions() {
        #expect(AMQPError.Code.channelClosed.description == "channelClosed")
        #expect(AMQPError.Code.publishNacked.description == "publishNacked")
        #expect("\(AMQPError.Code.resourceExhausted)" == "resourceExhausted")
    }

    @Test("adding(operation:object:channel:) fills in missing context")
    func addingFillsMissing() {
        let error = AMQPError(.connectionLost, "gone")
            .adding(operation: "basic.publish", object: "exchange 'events'", channel: 7)
        #expect(error.operation == "basic.publish")
        #expect(error.object == "exchange 'events'")
        #expect(error.channel == 7)
        #expect(error.code == .connectionLost)
        #expect(error.message == "gone")
    }

    @Test("adding(operation:object:channel:) does not overwrite existing values")
    func addingKeepsExisting() {
        let original = AMQPError(
            .channelClosed, "closed", replyCode: 406, replyText: "PRECONDITION_FAILED",
            operation: "queue.declare", object: "queue 'a'", channel: 2
        )
        let error = original.adding(operation: "basic.publish", object: "exchange 'b'", channel: 9)
        #expect(error.operation == "queue.declare")
        #expect(error.object == "queue 'a'")
        #expect(error.channel == 2)
        #expect(error.replyCode == 406)
        #expect(error.replyText == "PRECONDITION_FAILED")
        #expect(error.description == original.description)
    }

    @Test("adding(operation:object:channel:) fills some fields and keeps others")
    func addingMixed() {
        let error = AMQPError(.timeout, "late", operation: "queue.bind")
            .adding(operation: "ignored", object: "queue 'q'")
        #expect(error.operation == "queue.bind")
        #expect(error.object == "queue 'q'")
        #expect(error.channel == nil)
    }
}
