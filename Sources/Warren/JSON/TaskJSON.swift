#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How task bodies become JSON and back: Foundation's `JSONEncoder` (with `.withoutEscapingSlashes`)
/// and `JSONDecoder` (default options), one of each for every task.
///
/// A hand-written coder was measured against these in an interleaved run and gained at most 5 % of
/// throughput (docs/architecture.md, "Task bodies"), so Foundation's are used.
enum TaskJSON {
    /// One encoder for all tasks: its options never change, and `encode` is safe to call concurrently.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    /// One decoder for all tasks, likewise.
    private static let decoder = JSONDecoder()

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        Array(try encoder.encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try decoder.decode(type, from: Data(bytes))
    }
}
