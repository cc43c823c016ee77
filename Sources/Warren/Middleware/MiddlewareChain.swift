/// The worker's middlewares in order, and how an attempt goes through them: the worker's own
/// (logging, metrics, lifecycle events, outermost first), then the application's.
///
/// The worker's own are held as their concrete types and called directly, not through
/// `any TaskMiddleware`: every task passes through them. As existentials they cost the no-op drain
/// about a tenth of its throughput (0.90 of the build before the chain, paired median of 8
/// interleaved runs); called directly, 0.98 (0.85–1.24), the spread of the runs
/// (`bash Benchmarks/profile/ab.sh BEFORE AFTER 6 drain-128`).
struct MiddlewareChain: Sendable {
    let logging: LoggingMiddleware?
    let metrics: MetricsMiddleware?
    let events: EventsMiddleware?
    /// The application's middlewares, the first outermost, inside the worker's own.
    let middlewares: [any TaskMiddleware]

    init(
        logging: LoggingMiddleware? = nil,
        metrics: MetricsMiddleware? = nil,
        events: EventsMiddleware? = nil,
        middlewares: [any TaskMiddleware]
    ) {
        self.logging = logging
        self.metrics = metrics
        self.events = events
        self.middlewares = middlewares
    }

    /// Tells every middleware, first to last, that a message arrived.
    func received(_ context: TaskContext) async {
        // Logging and events do nothing on arrival.
        await metrics?.received(context)
        for middleware in middlewares { await middleware.received(context) }
    }

    /// Runs the middlewares around `handler`, the first outermost.
    func run(_ context: TaskContext, handler: (TaskContext) async throws -> Void) async throws {
        // Logging does nothing around the handler.
        guard let metrics else {
            try await runEvents(context, handler: handler)
            return
        }
        try await metrics.run(context) { context in try await runEvents(context, handler: handler) }
    }

    private func runEvents(_ context: TaskContext, handler: (TaskContext) async throws -> Void) async throws {
        guard let events else {
            try await run(from: middlewares.startIndex, context, handler: handler)
            return
        }
        try await events.run(context) { context in try await run(from: middlewares.startIndex, context, handler: handler) }
    }

    private func run(from index: Int, _ context: TaskContext, handler: (TaskContext) async throws -> Void) async throws {
        guard index < middlewares.endIndex else {
            try await handler(context)
            return
        }
        try await middlewares[index].run(context) { context in
            try await run(from: index + 1, context, handler: handler)
        }
    }

    /// Tells every middleware, last to first, how the attempt ended.
    func settled(_ context: TaskContext, _ settlement: TaskSettlement) async {
        for middleware in middlewares.reversed() { await middleware.settled(context, settlement) }
        await events?.settled(context, settlement)
        await metrics?.settled(context, settlement)
        await logging?.settled(context, settlement)
    }
}
