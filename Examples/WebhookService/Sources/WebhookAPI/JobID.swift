import Foundation

/// Job ids: a random UUID, or, for a request with an `Idempotency-Key`, one derived from the key, so
/// that the same key always names the same job (and the same task message id).
public enum JobID {
    /// The longest idempotency key accepted, in UTF-8 bytes.
    public static let maxKeyLength = 255

    /// A new random job id (a lowercase UUID).
    public static func random() -> String {
        UUID().uuidString.lowercased()
    }

    /// The job id for an idempotency key: the first 16 bytes of SHA-256(`"webhook-job:" + key`) as a
    /// version-8 (RFC 9562, name-based by our own rule) lowercase UUID.
    public static func derived(fromIdempotencyKey key: String) -> String {
        var bytes = Array(SHA256.hash(Array("webhook-job:\(key)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80  // version 8
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        let hex = bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(hex.dropFirst(range.lowerBound).prefix(range.count))
        }
        return parts.joined(separator: "-")
    }

    /// Whether `text` looks like a job id (a UUID); anything else cannot be a job.
    public static func isWellFormed(_ text: String) -> Bool {
        text.count == 36 && UUID(uuidString: text) != nil
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
