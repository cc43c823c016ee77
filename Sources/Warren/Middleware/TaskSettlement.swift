/// How one attempt of a task ended, as middlewares are told (``TaskMiddleware/settled(_:_:)``).
public struct TaskSettlement: Sendable {
    /// What the worker did with the message.
    public var disposition: TaskDisposition
    /// What the handler or a middleware threw; nil when the attempt succeeded, or for a message no
    /// handler is registered for (whose reason is in ``disposition``).
    public var error: (any Error)?
    /// How long the handler ran, middlewares included; nil when it did not run.
    public var duration: Duration?
    /// Why no handler ran, for a message the worker refused before running anything (no task name,
    /// no handler registered).
    public var refusal: String?

    /// Creates a settlement.
    public init(disposition: TaskDisposition, error: (any Error)? = nil, duration: Duration? = nil, refusal: String? = nil) {
        self.disposition = disposition
        self.error = error
        self.duration = duration
        self.refusal = refusal
    }

    /// The text of what went wrong: the refusal, the error's description, or nil after a success.
    public var failureDescription: String? {
        refusal ?? error.map(TaskRunner.describe)
    }
}
