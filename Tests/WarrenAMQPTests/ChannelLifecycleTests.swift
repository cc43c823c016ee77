import Testing

@testable import WarrenAMQP

@Suite("ChannelLifecycle")
struct ChannelLifecycleTests {
    @Test("opening, open, closing, closed: only an open channel takes work")
    func normalLife() {
        var channel = ChannelLifecycle()
        #expect(channel.phase == .opening && !channel.acceptsWork)
        channel.opened()
        #expect(channel.phase == .open && channel.acceptsWork)
        let first = channel.closeRequested()
        #expect(first)
        #expect(channel.phase == .closing && !channel.acceptsWork)
        let second = channel.closeRequested()
        #expect(second, "a second close while closing is still sent (it bypasses the call order)")
        channel.finished()
        #expect(channel.phase == .closed && !channel.acceptsWork)
    }

    @Test("a channel opened for nobody is closed again from opening; the broker can close it in any phase")
    func otherPaths() {
        var abandoned = ChannelLifecycle()
        let sent = abandoned.closeRequested()
        #expect(sent)
        #expect(abandoned.phase == .closing)

        var opening = ChannelLifecycle()
        var open = ChannelLifecycle()
        open.opened()
        var closing = ChannelLifecycle()
        closing.opened()
        _ = closing.closeRequested()
        for var channel in [opening, open, closing] {
            channel.finished()
            #expect(channel.phase == .closed)
        }
        opening.finished()
        #expect(opening.phase == .closed)
    }

    @Test("nothing is sent to close a channel that is gone")
    func closedStaysClosed() {
        var channel = ChannelLifecycle()
        channel.opened()
        channel.finished()
        let sent = channel.closeRequested()
        #expect(!sent)
        #expect(channel.phase == .closed)
    }
}
