import Foundation
import Logging
import Warren
import WebhookShared

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// POSTs a webhook's payload to its target with a time limit, and turns the outcome into what the
/// worker understands: return (delivered), throw ``DeliveryError`` (retry with back-off), or throw
/// `PermanentFailure` (dead-letter at once).
///
/// Uses Foundation's URLSession (FoundationNetworking over libcurl on Linux): nothing to build. Its
/// own timeouts count whole seconds only there, so the time limit is enforced here by cancelling
/// the request. Redirects are not followed.
public final class WebhookSender: Sendable {
    private let session: URLSession
    private let timeout: Duration

    /// A sender that gives each request at most `timeout`.
    public init(timeout: Duration) {
        let configuration = URLSessionConfiguration.ephemeral
        // A backstop only (whole seconds on Linux); the real limit is `timeout`, enforced below.
        configuration.timeoutIntervalForRequest = max(1, ceil(Double(timeout.components.seconds)) + 1)
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        self.session = URLSession(configuration: configuration, delegate: RedirectRefusal(), delegateQueue: nil)
        self.timeout = timeout
    }

    /// Delivers `task` for the attempt described by `context`.
    /// - Throws: ``DeliveryError`` to retry; `PermanentFailure` when the target refused it.
    public func deliver(_ task: DeliverWebhook, context: TaskContext) async throws {
        guard let url = URL(string: task.targetURL) else {
            throw PermanentFailure("target_url '\(task.targetURL)' is not a valid URL")
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = try task.payload.canonicalJSON()
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("warren-webhook-worker/1", forHTTPHeaderField: "User-Agent")
        // Receivers deduplicate with the job id: delivery is at least once.
        request.setValue(task.jobID, forHTTPHeaderField: "X-Webhook-Job-Id")
        request.setValue("\(context.attempt)", forHTTPHeaderField: "X-Webhook-Attempt")

        let (status, body) = try await send(request, to: task.targetURL)
        switch DeliveryVerdict.judge(status: status, body: body) {
        case .delivered:
            context.logger.info("webhook delivered", metadata: ["status": "\(status)"])
        case .retry(let reason):
            throw DeliveryError(reason)
        case .refuse(let reason):
            throw PermanentFailure(reason)
        }
    }

    /// Sends the request, racing it against the time limit; returns the status and body.
    private func send(_ request: URLRequest, to target: String) async throws -> (Int, Data) {
        let session = self.session
        let timeout = self.timeout
        return try await withThrowingTaskGroup(of: (Int, Data).self) { group in
            group.addTask {
                do {
                    let (data, response) = try await session.data(for: request)
                    return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
                } catch let error as URLError where error.code != .cancelled {
                    throw DeliveryError("could not deliver to \(target): \(Self.describe(error))")
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw DeliveryError("no answer from \(target) within \(Self.describe(timeout))")
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            return first
        }
    }

    private static func describe(_ error: URLError) -> String {
        switch error.code {
        case .timedOut: "timed out"
        case .cannotConnectToHost: "connection refused"
        case .cannotFindHost: "unknown host"
        case .networkConnectionLost: "the connection was closed"
        default: "\(error.localizedDescription) (URLError \(error.code.rawValue))"
        }
    }

    private static func describe(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}

/// Refuses every redirect, so the 3xx answer itself comes back (and is judged a refusal).
private final class RedirectRefusal: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
