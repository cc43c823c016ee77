#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The handlers a worker runs, by task name.
///
/// ```swift
/// var tasks = TaskRegistry()
/// tasks.register(SendWelcomeEmail.self) { task, context in
///     try await mailer.send(to: task.address)
/// }
/// ```
public struct TaskRegistry: Sendable {
    /// One registered handler with its settings.
    struct Entry: Sendable {
        var retryPolicy: RetryPolicy?
        var timeLimit: Duration?
        /// Decodes the body (throwing ``PoisonMessage``) and runs the handler.
        var run: @Sendable ([UInt8], TaskContext) async throws -> Void
    }

    private var entries: [String: Entry] = [:]
    private var fallback: Entry?

    /// An empty registry.
    public init() {}

    /// Registers a typed handler. The body is decoded into `TaskType`; a body that is not JSON, or not
    /// that shape, is dead-lettered at once without calling the handler.
    ///
    /// - Parameters:
    ///   - type: The task type; its ``WarrenTask/name`` routes messages to this handler.
    ///   - retry: This task's retry policy; the worker's when nil.
    ///   - timeLimit: This task's time limit; the worker's when nil. A handler over it is cancelled
    ///     and the attempt counts as failed (handlers must honour cancellation).
    ///   - handler: Runs the decoded task; throw to fail the attempt, ``PermanentFailure`` to
    ///     dead-letter the task at once.
    public mutating func register<TaskType: WarrenTask>(
        _ type: TaskType.Type,
        retry: RetryPolicy? = nil,
        timeLimit: Duration? = nil,
        handler: @escaping @Sendable (TaskType, TaskContext) async throws -> Void
    ) {
        entries[TaskType.name] = Entry(retryPolicy: retry, timeLimit: timeLimit) { body, context in
            let task = try PayloadDecoder.decode(TaskType.self, from: body)
            try await handler(task, context)
        }
    }

    /// Registers a handler for a task name that receives the raw JSON body (checked to be valid JSON).
    public mutating func register(
        name: String,
        retry: RetryPolicy? = nil,
        timeLimit: Duration? = nil,
        handler: @escaping @Sendable ([UInt8], TaskContext) async throws -> Void
    ) {
        entries[name] = Self.rawEntry(retry: retry, timeLimit: timeLimit, handler: handler)
    }

    /// Registers a handler for every task name without a handler of its own (e.g. the CLI's
    /// `--exec` worker). It receives the raw JSON body (checked to be valid JSON).
    public mutating func registerFallback(
        retry: RetryPolicy? = nil,
        timeLimit: Duration? = nil,
        handler: @escaping @Sendable ([UInt8], TaskContext) async throws -> Void
    ) {
        fallback = Self.rawEntry(retry: retry, timeLimit: timeLimit, handler: handler)
    }

    /// The names with a handler of their own.
    public var taskNames: [String] { entries.keys.sorted() }

    /// The longest time limit of any handler, each falling back to `workerDefault`; nil when some
    /// handler (or the fallback handler) has no limit at all.
    func longestTimeLimit(workerDefault: Duration?) -> Duration? {
        var longest: Duration = .zero
        for entry in Array(entries.values) + (fallback.map { [$0] } ?? []) {
            guard let limit = entry.timeLimit ?? workerDefault else { return nil }
            longest = max(longest, limit)
        }
        return entries.isEmpty && fallback == nil ? workerDefault : longest
    }

    func entry(for name: String) -> Entry? {
        entries[name] ?? fallback
    }

    private static func rawEntry(
        retry: RetryPolicy?,
        timeLimit: Duration?,
        handler: @escaping @Sendable ([UInt8], TaskContext) async throws -> Void
    ) -> Entry {
        Entry(retryPolicy: retry, timeLimit: timeLimit) { body, context in
            try PayloadDecoder.validateJSON(body)
            try await handler(body, context)
        }
    }
}

/// A message that can never succeed, whatever the number of attempts.
struct PoisonMessage: Error, CustomStringConvertible {
    var reason: DeadLetterReason
    var detail: String
    var description: String { "\(reason): \(detail)" }
}

/// Decodes task bodies, telling invalid JSON from valid JSON of the wrong shape.
enum PayloadDecoder {
    static func decode<TaskType: Decodable>(_ type: TaskType.Type, from body: [UInt8]) throws -> TaskType {
        do {
            return try TaskJSON.decode(TaskType.self, from: body)
        } catch {
            // Classify only on the failure path, so the common path parses once.
            if !JSONSyntax.isValid(Data(body)) {
                throw PoisonMessage(reason: .invalidJSON, detail: "the body is not valid JSON")
            }
            throw PoisonMessage(reason: .undecodablePayload, detail: "the body does not decode as \(TaskType.self): \(describe(error))")
        }
    }

    static func validateJSON(_ body: [UInt8]) throws {
        guard JSONSyntax.isValid(Data(body)) else {
            throw PoisonMessage(reason: .invalidJSON, detail: "the body is not valid JSON")
        }
    }

    /// A one-line description of a decoding error: what and where.
    static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the top level" : keys.joined(separator: ".")
        }
        switch decoding {
        case .keyNotFound(let key, let context):
            return "missing key '\(key.stringValue)' at \(path(context))"
        case .typeMismatch(let type, let context):
            return "expected \(type) at \(path(context))"
        case .valueNotFound(let type, let context):
            return "null where \(type) was expected at \(path(context))"
        case .dataCorrupted(let context):
            return "\(context.debugDescription) at \(path(context))"
        @unknown default:
            return "\(decoding)"
        }
    }
}
