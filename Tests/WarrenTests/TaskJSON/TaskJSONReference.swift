import FoundationEssentials

// Foundation's own coders, the reference every Task JSON suite compares against, and how their
// results and errors are shown in messages.

func foundationEncode<T: Encodable>(_ value: T) throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    return Array(try encoder.encode(value))
}

func foundationDecode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
    try JSONDecoder().decode(type, from: Data(bytes))
}

/// Bytes as text for messages (escapes shown, so control characters are visible).
func show(_ bytes: [UInt8]) -> String {
    String(reflecting: String(decoding: bytes, as: UTF8.self))
}

func show(_ text: String) -> String {
    String(reflecting: text)
}

/// What an error is and where: enough to tell that two coders failed in the same way.
func describe(_ error: any Error) -> String {
    func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    if let decoding = error as? DecodingError {
        switch decoding {
        case .keyNotFound(let key, let context):
            return "keyNotFound(\(key.stringValue)) at '\(path(context.codingPath))'"
        case .typeMismatch(let type, let context):
            return "typeMismatch(\(type)) at '\(path(context.codingPath))'"
        case .valueNotFound(let type, let context):
            return "valueNotFound(\(type)) at '\(path(context.codingPath))'"
        case .dataCorrupted(let context):
            return "dataCorrupted at '\(path(context.codingPath))'"
        @unknown default:
            return "\(decoding)"
        }
    }
    if let encoding = error as? EncodingError {
        switch encoding {
        case .invalidValue(_, let context):
            return "invalidValue at '\(path(context.codingPath))'"
        @unknown default:
            return "\(encoding)"
        }
    }
    return "\(type(of: error)): \(error)"
}

/// The case name of a `DecodingError` / `EncodingError`, for pinning what Foundation does.
func kind(_ error: any Error) -> String {
    if let decoding = error as? DecodingError {
        switch decoding {
        case .keyNotFound: return "keyNotFound"
        case .typeMismatch: return "typeMismatch"
        case .valueNotFound: return "valueNotFound"
        case .dataCorrupted: return "dataCorrupted"
        @unknown default: return "unknown"
        }
    }
    if error is EncodingError { return "invalidValue" }
    return "\(type(of: error))"
}
