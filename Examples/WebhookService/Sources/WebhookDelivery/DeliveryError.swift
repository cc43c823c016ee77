import Foundation

/// Why a delivery attempt failed in a way that another attempt may fix: a 5xx, 408 or 429 answer,
/// no answer in time, or no connection. The worker retries these with back-off.
public struct DeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One line for `last_error` and the logs.
    public var description: String

    /// Creates the error.
    public init(_ description: String) {
        self.description = description
    }
}

/// What an HTTP answer means for a webhook.
public enum DeliveryVerdict: Sendable, Equatable {
    /// 2xx: delivered.
    case delivered
    /// 5xx, 408 Request Timeout, 429 Too Many Requests: try again later.
    case retry(String)
    /// Any other status (other 4xx, a redirect): retrying cannot help.
    case refuse(String)

    /// Judges a status code; `body` (a short excerpt) goes into the error text.
    public static func judge(status: Int, body: Data = Data()) -> DeliveryVerdict {
        let excerpt = String(decoding: body.prefix(200), as: UTF8.self)
            .replacingOccurrences(of: "\n", with: " ")
            .trimmingCharacters(in: .whitespaces)
        let answer = "target answered HTTP \(status)" + (excerpt.isEmpty ? "" : ": \(excerpt)")
        switch status {
        case 200..<300: return .delivered
        case 408, 429, 500..<600: return .retry(answer)
        case 300..<400: return .refuse("\(answer) (a redirect: webhooks do not follow redirects); not retried")
        default: return .refuse("\(answer); not retried")
        }
    }
}
