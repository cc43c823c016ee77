#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How task bodies become JSON and back: ``FastJSONEncoder`` / ``FastJSONDecoder`` for the types
/// they handle, Foundation's `JSONEncoder` (with `.withoutEscapingSlashes`) and `JSONDecoder`
/// (default options) for everything else. The fast coders give up rather than differ, so values
/// and errors are Foundation's; only the order of an object's keys may differ, which JSON leaves
/// open. docs/benchmarks.md has what the fast path saves.
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
        if let bytes = FastJSONEncoder.encode(value) { return bytes }
        return Array(try encoder.encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        if let value = FastJSONDecoder.decode(type, from: bytes) { return value }
        return try decoder.decode(type, from: Data(bytes))
    }
}
