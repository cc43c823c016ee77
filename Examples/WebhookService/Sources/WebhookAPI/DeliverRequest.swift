import Foundation
import WebhookShared

/// A request the API refuses, with the message its JSON error body carries.
public struct RequestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, for the client.
    public var message: String

    /// Creates the error.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// A valid `POST /webhooks/deliver` body: `{"target_url": "https://…", "payload": {…}}`.
public struct DeliverRequest: Sendable, Hashable {
    /// The longest target URL accepted.
    public static let maxURLLength = 2048

    /// The absolute http(s) URL to POST to.
    public var targetURL: String
    /// The JSON object to POST.
    public var payload: JSONValue

    /// Parses and checks a request body.
    /// - Throws: ``RequestError`` saying what is wrong: not JSON, not an object, `target_url` missing
    ///   or not an absolute http(s) URL, `payload` missing or not an object.
    public static func parse(_ body: Data) throws(RequestError) -> DeliverRequest {
        let example = #"{"target_url": "https://example.com/hook", "payload": {...}}"#
        guard !body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else {
            throw RequestError("the request body is empty; send a JSON object like \(example)")
        }
        guard let value = try? JSONValue.parse(body) else {
            throw RequestError("the request body is not valid JSON; send a JSON object like \(example)")
        }
        guard let members = value.objectValue else {
            throw RequestError("the request body must be a JSON object like \(example), not \(article(value.typeName))")
        }
        let targetURL = try checkedURL(members["target_url"])
        guard let payload = members["payload"] else {
            throw RequestError("payload is missing; it must be a JSON object (the body POSTed to target_url)")
        }
        guard payload.objectValue != nil else {
            throw RequestError("payload must be a JSON object, not \(article(payload.typeName))")
        }
        return DeliverRequest(targetURL: targetURL, payload: payload)
    }

    /// Checks `target_url`: a string, an absolute URL, scheme http or https, with a host.
    private static func checkedURL(_ value: JSONValue?) throws(RequestError) -> String {
        guard let value else {
            throw RequestError("target_url is missing; it must be an absolute http or https URL")
        }
        guard let text = value.stringValue else {
            throw RequestError("target_url must be a string holding an absolute http or https URL, not \(article(value.typeName))")
        }
        guard text.utf8.count <= maxURLLength else {
            throw RequestError("target_url is longer than \(maxURLLength) bytes")
        }
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased() else {
            throw RequestError("target_url '\(text)' is not an absolute URL; it must start with http:// or https://")
        }
        guard scheme == "http" || scheme == "https" else {
            throw RequestError("target_url must use http or https, not '\(scheme)'")
        }
        guard let host = url.host, !host.isEmpty else {
            throw RequestError("target_url '\(text)' has no host")
        }
        return text
    }

    private static func article(_ typeName: String) -> String {
        switch typeName {
        case "null": "null"
        case "object", "array": "an \(typeName)"
        default: "a \(typeName)"
        }
    }
}

/// Checks an `Idempotency-Key` header value: 1 to 255 bytes of visible ASCII.
/// - Throws: ``RequestError`` when it is empty, too long or has other characters.
public func checkedIdempotencyKey(_ value: String) throws(RequestError) -> String {
    guard !value.isEmpty, value.utf8.count <= JobID.maxKeyLength else {
        throw RequestError("the Idempotency-Key header must be 1 to \(JobID.maxKeyLength) characters long")
    }
    guard value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
        throw RequestError("the Idempotency-Key header may only hold visible ASCII characters (no spaces)")
    }
    return value
}
