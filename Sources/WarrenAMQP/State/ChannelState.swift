import DequeModule

/// Everything the I/O thread knows about one open channel. Used on the I/O thread only.
final class ChannelState {
    /// Content assembled on this channel: what the method frame before it said.
    enum ContentMethod {
        case deliver(consumerTag: String, deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String)
        case getOK(deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String, messageCount: UInt32)
        case returned(ConfirmTracker<PublishCompletion>.ReturnReason)
    }

    let shared: ChannelShared
    var lifecycle = ChannelLifecycle()
    var calls = CallQueue<PendingCall>()
    /// Set once `confirm.select-ok` arrived.
    var confirms: ConfirmTracker<PublishCompletion>?
    /// At most this many publishes wait for confirms; more wait in ``waitingPublishes``.
    var maxOutstanding: Int?
    var waitingPublishes: Deque<(AMQPOutboundMessage, PublishCompletion)> = []
    var consumers: [String: Consumer] = [:] {
        didSet { lastConsumer = nil }
    }
    /// The consumer of the previous delivery: most deliveries go to the same one as the one before.
    var lastConsumer: (tag: String, consumer: Consumer)?
    var assembler = ContentAssembler<ContentMethod>()
    /// The deliveries to settle on this channel, and the acks waiting to be sent (coalesced).
    var acks = AckCoalescer()
    /// The consumer tag, exchange and routing key of recent deliveries (slots 0, 1, 2).
    var deliverStrings = RecentStrings(slots: 3)

    /// A consumer's delivery buffer, and whether its deliveries need settling.
    struct Consumer {
        var buffer: DeliveryBuffer
        var noAck: Bool
    }

    init(shared: ChannelShared) {
        self.shared = shared
    }

    var identity: ChannelIdentity { shared.identity }
    var number: UInt16 { shared.identity.number }
}
