import Foundation

/// Prints values as JSON on standard output.
enum JSONOutput {
    /// Prints `value` as pretty-printed JSON with sorted keys.
    static func print(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        Console.out(String(decoding: data, as: UTF8.self))
    }
}
