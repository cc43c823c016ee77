/// Routes a message through the shared delay exchanges so that it reaches its queue after a delay,
/// without a broker plugin: a pure value.
///
/// A delay is counted in units of 100 ms and written in binary, one routing-key word per bit, most
/// significant first, followed by the destination queue: a 2.5 s delay to `emails` (25 units,
/// `11001`) is `0.0. … .0.1.1.0.0.1.emails`. Level `L` has an exchange and a queue of the same name,
/// `warren.delay.L`: the exchange sends a message whose bit `L` is 1 into the queue, where it waits
/// exactly `2^L` units (a queue-wide TTL), and one whose bit is 0 straight on to level `L-1`. When the
/// queue's TTL expires the broker dead-letters the message, with its routing key, to level `L-1`.
/// After level 0 comes the delivery exchange, which routes to the destination queue by the words
/// after the bits.
///
/// Every message in a level queue waits the same time, so expiry order is arrival order and a long
/// delay never holds up a short one (per-message TTLs in one queue would: RabbitMQ expires only at the
/// head). This is how NServiceBus delays messages on RabbitMQ.
public struct DelayRouting: Sendable, Hashable {
    /// The number of levels; the longest delay is `2^levels - 1` units (about 77 days).
    public static let levels = 26
    /// The unit of delay.
    public static let unit: Duration = .milliseconds(100)

    /// The prefix of every exchange and queue name.
    public let prefix: String

    /// Routing with exchanges and queues named `<prefix>.<level>` and `<prefix>.deliver`.
    public init(prefix: String = "warren.delay") {
        self.prefix = prefix
    }

    /// The name of level `level`'s exchange and queue.
    public func levelName(_ level: Int) -> String { "\(prefix).\(level)" }

    /// The exchange that routes to destination queues at the end.
    public var deliveryExchange: String { "\(prefix).deliver" }

    /// The time a message waits in level `level`'s queue.
    public func levelTTLMilliseconds(_ level: Int) -> Int64 { Int64(100) << Int64(level) }

    /// A delay in whole units: rounded to the nearest unit, at least one for any positive delay, at
    /// most the longest delay.
    public static func units(for delay: Duration) -> UInt64 {
        guard delay > .zero else { return 0 }
        let milliseconds = delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000
        let units = max(1, (milliseconds + 50) / 100)
        return min(UInt64(units), (UInt64(1) << UInt64(levels)) - 1)
    }

    /// The routing key for a delay of `units` to `queue`.
    public func routingKey(units: UInt64, queue: String) -> String {
        var words: [String] = []
        words.reserveCapacity(Self.levels + 1)
        for level in stride(from: Self.levels - 1, through: 0, by: -1) {
            words.append((units >> UInt64(level)) & 1 == 1 ? "1" : "0")
        }
        words.append(queue)
        return words.joined(separator: ".")
    }

    /// The exchange to publish a delayed message to: the level of its highest set bit (lower levels
    /// only add exchange-to-exchange hops).
    public func entryExchange(units: UInt64) -> String {
        guard units > 0 else { return deliveryExchange }
        let highest = 63 - units.leadingZeroBitCount
        return levelName(min(highest, Self.levels - 1))
    }

    /// The topic pattern that matches bit `level` having `value`.
    func bitPattern(level: Int, value: Bool) -> String {
        String(repeating: "*.", count: Self.levels - 1 - level) + (value ? "1.#" : "0.#")
    }

    /// The topic pattern that binds `queue` to the delivery exchange.
    func deliveryPattern(queue: String) -> String {
        String(repeating: "*.", count: Self.levels) + queue
    }

    /// Where level `level` sends messages on: the next lower level, or the delivery exchange.
    func nextExchange(after level: Int) -> String {
        level == 0 ? deliveryExchange : levelName(level - 1)
    }
}
