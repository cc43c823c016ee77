/// What application code needs to enqueue tasks: a ``WarrenClient`` or a ``TaskProducer`` against
/// RabbitMQ, or WarrenTesting's `InMemoryTaskQueue` in tests.
///
/// Depend on it rather than on a concrete type, and tests can run the handlers without a broker:
///
/// ```swift
/// struct SignupService {
///     let tasks: any TaskEnqueuer
///     func signUp(_ user: User) async throws {
///         try await tasks.enqueue(SendWelcomeEmail(userID: user.id, address: user.email), to: emails, options: .init())
///     }
/// }
/// ```
public protocol TaskEnqueuer: Sendable {
    /// Enqueues a task on a task queue and returns once it is stored (for RabbitMQ: confirmed).
    @discardableResult
    func enqueue<TaskType: WarrenTask>(_ task: TaskType, to queue: TaskQueue, options: EnqueueOptions) async throws -> EnqueuedTask
}
