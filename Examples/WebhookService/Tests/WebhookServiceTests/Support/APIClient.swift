import Foundation
import WebhookAPI

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An HTTP answer: status, headers and body (parsed as a JSON object when it is one).
struct HTTPAnswer: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    /// The body as a JSON object, or empty.
    var json: [String: any Sendable] {
        (try? JSONSerialization.jsonObject(with: body) as? [String: any Sendable]) ?? [:]
    }

    /// A string member of the JSON body.
    func string(_ key: String) -> String? { json[key] as? String }

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A client for the web service's API, through URLSession.
struct APIClient: Sendable {
    let baseURL: String
    private let session: URLSession

    init(baseURL: String) {
        self.baseURL = baseURL
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        session = URLSession(configuration: configuration)
    }

    /// `POST /webhooks/deliver` with `{"target_url", "payload"}`.
    func deliver(to target: String, payload: [String: any Sendable], key: String? = nil) async throws -> HTTPAnswer {
        let body = try JSONSerialization.data(withJSONObject: ["target_url": target, "payload": payload] as [String: Any])
        return try await post("/webhooks/deliver", body: body, headers: key.map { ["Idempotency-Key": $0] } ?? [:])
    }

    /// POST raw bytes.
    func post(_ path: String, body: Data, headers: [String: String] = [:]) async throws -> HTTPAnswer {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return try await send(request)
    }

    /// GET a path.
    func get(_ path: String) async throws -> HTTPAnswer {
        try await send(URLRequest(url: URL(string: baseURL + path)!))
    }

    /// `GET /webhooks/jobs/{id}` decoded, or nil on 404.
    func job(_ id: String) async throws -> Job? {
        let answer = try await get("/webhooks/jobs/\(id)")
        if answer.status == 404 { return nil }
        guard answer.status == 200 else { throw TimedOut(description: "GET job \(id): HTTP \(answer.status) \(answer.text)") }
        return try JSONDecoder().decode(Job.self, from: answer.body)
    }

    private func send(_ request: URLRequest) async throws -> HTTPAnswer {
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            headers["\(name)".lowercased()] = "\(value)"
        }
        return HTTPAnswer(status: http.statusCode, headers: headers, body: data)
    }
}
