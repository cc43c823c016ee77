/// The worker's middlewares in order, and how an attempt goes through them.
struct MiddlewareChain: Sendable {
    let middlewares: [any TaskMiddleware]

    /// Tells every middleware, first to last, that a message arrived.
    func received(_ context: TaskContext) async {
        for middleware in middlewares { await middleware.received(context) }
    }

    /// Runs the middlewares around `handler`, the first outermost.
    func run(_ context: TaskContext, handler: (TaskContext) async throws -> Void) async throws {
        try await run(from: middlewares.startIndex, context, handler: handler)
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
    }
}
