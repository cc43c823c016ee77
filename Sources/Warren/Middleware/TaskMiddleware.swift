/// Code that runs around every task a worker runs: metrics, lifecycle events, logging, tracing and
/// job state are middlewares, and so can an application's own be.
///
/// A worker calls, for each delivery:
/// 1. ``received(_:)`` on every middleware, first to last, as soon as the message arrived (also for a
///    message no handler is registered for);
/// 2. ``run(_:next:)`` of the first middleware, which calls `next` to run the next one, and the last
///    one's `next` runs the handler (within its time limit). A middleware may change the context it
///    passes on, measure, or throw to fail the attempt; the worker decides what follows from the error
///    (``TaskDisposition/decide(error:attempt:policy:interrupted:random:)``);
/// 3. ``settled(_:_:)`` on every middleware, last to first, once the outcome was carried out (the
///    message acked, the retry or dead letter confirmed by the broker, or the message handed back).
///
/// Every requirement has a default that does nothing (and `run` calls `next`), so a middleware
/// implements only what it needs:
///
/// ```swift
/// struct SlowTaskAlarm: TaskMiddleware {
///     func run(_ context: TaskContext, next: (TaskContext) async throws -> Void) async throws {
///         let started = ContinuousClock.now
///         defer {
///             if ContinuousClock.now - started > .seconds(30) { context.logger.warning("slow task") }
///         }
///         try await next(context)
///     }
/// }
/// ```
public protocol TaskMiddleware: Sendable {
    /// A message arrived for `context.taskName` (which may have no handler).
    func received(_ context: TaskContext) async

    /// Runs around one attempt: call `next` exactly once to go on, or throw instead to fail the attempt.
    func run(_ context: TaskContext, next: (TaskContext) async throws -> Void) async throws

    /// The attempt's outcome was carried out.
    func settled(_ context: TaskContext, _ settlement: TaskSettlement) async
}

extension TaskMiddleware {
    /// Does nothing.
    public func received(_ context: TaskContext) async {}

    /// Calls `next`.
    public func run(_ context: TaskContext, next: (TaskContext) async throws -> Void) async throws {
        try await next(context)
    }

    /// Does nothing.
    public func settled(_ context: TaskContext, _ settlement: TaskSettlement) async {}
}
