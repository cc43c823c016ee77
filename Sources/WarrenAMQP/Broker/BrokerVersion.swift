/// The RabbitMQ version a broker announced in its `connection.start` server properties (`version`),
/// and what Warren derives from it.
///
/// Read at connect: ``AMQPConnection/brokerVersion`` and ``AMQPChannel/brokerVersion``. A broker that
/// announces no version, or one that is not RabbitMQ's `MAJOR.MINOR.PATCH`, gives `nil` there; code
/// that depends on a feature then assumes the oldest supported RabbitMQ (3.10), which is the safe side
/// for each feature below.
public struct BrokerVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The major version (3 in 3.13.7).
    public var major: Int
    /// The minor version (13 in 3.13.7).
    public var minor: Int
    /// The patch version (7 in 3.13.7).
    public var patch: Int
    /// What followed the numbers, such as `-rc.1` or `+1.g5a4b3c`; empty for a release.
    public var suffix: String

    /// A version from its numbers.
    public init(_ major: Int, _ minor: Int, _ patch: Int = 0, suffix: String = "") {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.suffix = suffix
    }

    /// Parses `MAJOR.MINOR[.PATCH][suffix]`, as RabbitMQ announces it (`3.10.8`, `4.1.0-rc.1`,
    /// `4.0.5+2.g1a2b3c4`). Returns nil for anything else.
    public init?(_ text: String) {
        var numbers: [Int] = []
        var current = ""
        var rest = Substring(text)
        while let character = rest.first {
            if character.isASCII, character.isNumber {
                current.append(character)
            } else if character == ".", !current.isEmpty, numbers.count < 2 {
                numbers.append(Int(current) ?? 0)
                current = ""
            } else {
                break
            }
            rest = rest.dropFirst()
        }
        guard !current.isEmpty, let last = Int(current) else { return nil }
        numbers.append(last)
        guard numbers.count >= 2 else { return nil }
        self.init(numbers[0], numbers[1], numbers.count > 2 ? numbers[2] : 0, suffix: String(rest))
    }

    /// The version in a server-properties table (the `version` entry), or nil.
    public init?(serverProperties: AMQPTable) {
        guard let value = serverProperties["version"] else { return nil }
        let text = value.stringValue ?? value.bytesValue.map { String(decoding: $0, as: UTF8.self) }
        guard let text, let version = BrokerVersion(text) else { return nil }
        self = version
    }

    /// `major.minor.patch` followed by the suffix.
    public var description: String { "\(major).\(minor).\(patch)\(suffix)" }

    /// Orders by the numbers; the suffix does not count (a release candidate orders as its release).
    public static func < (lhs: BrokerVersion, rhs: BrokerVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }
}
