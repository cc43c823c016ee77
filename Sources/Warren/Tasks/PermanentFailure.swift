/// Thrown by a handler for a failure that retrying cannot fix (invalid input, a resource that no
/// longer exists): the task is dead-lettered at once, without further attempts.
///
/// ```swift
/// guard let user = try await users.find(task.userID) else {
///     throw PermanentFailure("user \(task.userID) does not exist")
/// }
/// ```
public struct PermanentFailure: Error, Sendable, CustomStringConvertible {
    /// Why the task cannot succeed.
    public var reason: String
    /// The error that led to it, if any.
    public var underlying: (any Error)?

    /// Creates a permanent failure with a reason and, optionally, the error behind it.
    public init(_ reason: String, underlying: (any Error)? = nil) {
        self.reason = reason
        self.underlying = underlying
    }

    public var description: String {
        underlying.map { "\(reason): \($0)" } ?? reason
    }
}
