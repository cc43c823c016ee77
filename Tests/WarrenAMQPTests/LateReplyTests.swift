import Testing

@testable import WarrenAMQP

@Suite("LateReply")
struct LateReplyTests {
    @Test("a channel opened for nobody is closed again; a consumer started for nobody is cancelled")
    func openedAndStarted() {
        #expect(LateReply.channelOpened.undo == .closeChannel)
        #expect(LateReply.consumerStarted(tag: "amq.ctag-1").undo == .cancelConsumer(tag: "amq.ctag-1"))
    }

    @Test("a message fetched or delivered for nobody goes back to its queue with its own tag, unless no-ack settled it")
    func messages() {
        #expect(LateReply.fetched(deliveryTag: 7, noAck: false).undo == .requeue(deliveryTag: 7))
        #expect(LateReply.deliveredToGoneConsumer(deliveryTag: 9, noAck: false).undo == .requeue(deliveryTag: 9))
        #expect(LateReply.fetched(deliveryTag: 7, noAck: true).undo == .drop)
        #expect(LateReply.deliveredToGoneConsumer(deliveryTag: 9, noAck: true).undo == .drop)
    }
}
