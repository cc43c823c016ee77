// A worker middleware: warn about slow tasks, and count outcomes by disposition.
import Synchronization
import Warren

// snippet.show
struct SlowTaskAlarm: TaskMiddleware {
    var limit: Duration = .seconds(60)

    func run(_ context: TaskContext, next: (TaskContext) async throws -> Void) async throws {
        let started = ContinuousClock.now
        defer {
            let took = ContinuousClock.now - started
            if took > limit { context.logger.warning("slow task", metadata: ["took": "\(took)"]) }
        }
        try await next(context)
    }

    func settled(_ context: TaskContext, _ settlement: TaskSettlement) async {
        if case .deadLetter(let reason) = settlement.disposition {
            context.logger.error("dead-lettered", metadata: ["reason": "\(reason)"])
        }
    }
}

let configuration = Worker.Configuration(
    amqp: try .fromEnvironment(), queue: TaskQueue("emails"), middlewares: [SlowTaskAlarm()]
)
// snippet.end
_ = configuration
