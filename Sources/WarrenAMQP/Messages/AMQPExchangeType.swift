/// The type of an exchange. The four standard types are static members; plugins add others, which
/// ``init(_:)`` accepts by name (e.g. `x-consistent-hash`).
public struct AMQPExchangeType: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The type's name as the broker knows it.
    public let name: String

    /// An exchange type by name.
    public init(_ name: String) { self.name = name }

    /// An exchange type by name, from a literal.
    public init(stringLiteral value: String) { self.name = value }

    /// Routes to the queues bound with exactly the message's routing key.
    public static let direct = AMQPExchangeType("direct")
    /// Routes to every bound queue, ignoring the routing key.
    public static let fanout = AMQPExchangeType("fanout")
    /// Routes by pattern: `*` matches one dot-separated word, `#` zero or more.
    public static let topic = AMQPExchangeType("topic")
    /// Routes by matching message headers against binding arguments (`x-match: all|any`).
    public static let headers = AMQPExchangeType("headers")

    public var description: String { name }
}
