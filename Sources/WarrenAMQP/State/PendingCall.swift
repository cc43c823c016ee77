import CRabbitMQ

/// A synchronous method on a channel whose reply has not arrived yet, and who waits for it. A
/// channel's ``CallQueue`` orders them and matches the replies.
struct PendingCall {
    /// Who gets the reply.
    enum Completion {
        case openChannel(Promise<ChannelShared>)
        case reply(Promise<RPCReply>)
        /// A call the client made for itself (e.g. cancelling a consumer nobody waits for).
        case unobserved
    }

    /// The method; nil for `channel.open`.
    var request: MethodRequest?
    var completion: Completion

    var operation: String { request?.operation ?? "channel.open" }

    /// Fails the caller, if it is still waiting. Returns false when nobody was waiting any more.
    @discardableResult
    func fail(_ error: any Error) -> Bool {
        switch completion {
        case .openChannel(let promise): return promise.fail(error)
        case .reply(let promise): return promise.fail(error)
        case .unobserved: return false
        }
    }

    /// Succeeds a call whose reply carries no value. Returns false when nobody was waiting any more.
    @discardableResult
    func succeed(_ reply: RPCReply) -> Bool {
        if case .reply(let promise) = completion { return promise.succeed(reply) }
        return false
    }
}

/// How a publish is reported back: one caller, or one caller for a whole batch.
enum PublishCompletion {
    case single(Promise<Void>)
    case batch(BatchCompletion)

    /// Records one message's outcome: nil for success.
    func settle(_ error: AMQPError?) {
        switch self {
        case .single(let promise):
            if let error { promise.fail(error) } else { promise.succeed(()) }
        case .batch(let batch):
            batch.settle(error)
        }
    }
}

/// Counts the outcomes of a batch publish; settles its promise when the last message is settled,
/// with the first failure if there was one. Used on the I/O thread only.
final class BatchCompletion {
    private let promise: Promise<Void>
    private var remaining: Int
    private var firstError: AMQPError?

    init(promise: Promise<Void>, count: Int) {
        self.promise = promise
        self.remaining = count
    }

    func settle(_ error: AMQPError?) {
        if let error, firstError == nil { firstError = error }
        remaining -= 1
        guard remaining == 0 else { return }
        if let firstError { promise.fail(firstError) } else { promise.succeed(()) }
    }
}
