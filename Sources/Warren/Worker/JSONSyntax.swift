#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Tells whether bytes are JSON at all (any value, also a bare string or number at the top level).
///
/// Used only after a body failed to decode, to tell invalid JSON from JSON of the wrong shape, and
/// for handlers that take the raw body. Built on `JSONDecoder` (in FoundationEssentials) rather than
/// `JSONSerialization`, which would make Warren link all of Foundation.
enum JSONSyntax {
    private static let decoder = JSONDecoder()

    /// True when `data` parses as one JSON value.
    static func isValid(_ data: Data) -> Bool {
        (try? decoder.decode(AnyValue.self, from: data)) != nil
    }

    /// Accepts any JSON value and keeps nothing.
    private struct AnyValue: Decodable {
        init(from decoder: any Decoder) throws {
            if var array = try? decoder.unkeyedContainer() {
                while !array.isAtEnd { _ = try array.decode(AnyValue.self) }
                return
            }
            if let object = try? decoder.container(keyedBy: AnyKey.self) {
                for key in object.allKeys { _ = try object.decode(AnyValue.self, forKey: key) }
                return
            }
            let value = try decoder.singleValueContainer()
            if value.decodeNil() { return }
            if (try? value.decode(Bool.self)) != nil { return }
            if (try? value.decode(String.self)) != nil { return }
            // Like JSONSerialization, Foundation's parser refuses a number no Double can hold (1e400).
            _ = try value.decode(Double.self)
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }

        init(stringValue: String) {
            self.stringValue = stringValue
        }

        init?(intValue: Int) {
            nil
        }
    }
}
