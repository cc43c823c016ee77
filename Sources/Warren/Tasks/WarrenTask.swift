/// A task type: its name on the wire and, through its stored properties, its JSON payload.
///
/// ```swift
/// struct SendWelcomeEmail: WarrenTask {
///     static let name = "send-welcome-email"
///     var userID: Int
///     var address: String
/// }
/// ```
///
/// The producer encodes the value as the message body (UTF-8 JSON) and puts ``name`` in the AMQP
/// `type` property; the worker looks the handler up by that name and decodes the body into the type.
/// Producers in other languages publish the same JSON with the same `type` (see docs/wire-format.md).
public protocol WarrenTask: Codable, Sendable {
    /// The task's name, unique among the tasks of a queue. Keep it stable: queued messages carry it.
    static var name: String { get }
}
