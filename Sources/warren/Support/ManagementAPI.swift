import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import WarrenAMQP

/// A read-only client for the few RabbitMQ management HTTP API calls the tool needs.
struct ManagementAPI: Sendable {
    /// One queue as `GET /api/queues/{vhost}` lists it.
    struct Queue: Sendable, Decodable {
        /// The queue's name.
        let name: String
        /// Its arguments; only string-valued ones are kept.
        let arguments: [String: String]

        private enum CodingKeys: String, CodingKey { case name, arguments }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            let raw = (try? container.decode([String: LooseValue].self, forKey: .arguments)) ?? [:]
            arguments = raw.compactMapValues(\.string)
        }
    }

    /// The API's base URL, e.g. `http://127.0.0.1:15672`.
    let baseURL: URL
    let user: String
    let password: String
    let virtualHost: String

    /// The environment variable that names the management API when `--management-url` is not given.
    static let environmentVariable = "WARREN_MANAGEMENT_URL"

    /// The API at `override` (`--management-url`), else at `$WARREN_MANAGEMENT_URL` when it is set and
    /// not empty, else of the broker at `amqp` (same host, port 15672). Always with `amqp`'s
    /// credentials and vhost.
    init(
        amqp: AMQPConnection.Configuration,
        override: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        let fromEnvironment = environment[Self.environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        let text = override ?? fromEnvironment ?? "http://\(amqp.host.contains(":") ? "[\(amqp.host)]" : amqp.host):15672"
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            let source = override != nil ? "--management-url" : "\(Self.environmentVariable)"
            throw CLIFailure.usage("\(source) '\(text)' is not an http(s) URL")
        }
        baseURL = url
        user = amqp.user
        password = amqp.password
        virtualHost = amqp.virtualHost
    }

    /// The vhost's queues.
    func queues() async throws -> [Queue] {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let vhost = virtualHost.addingPercentEncoding(withAllowedCharacters: allowed) ?? virtualHost
        let url = baseURL.appendingPathComponent("api/queues", isDirectory: true)
        guard let endpoint = URL(string: url.absoluteString + vhost + "?columns=name,arguments") else {
            throw CLIFailure("cannot build the management API URL for vhost '\(virtualHost)'")
        }
        var request = URLRequest(url: endpoint, timeoutInterval: 5)
        let credentials = Data("\(user):\(password)".utf8).base64EncodedString()
        request.setValue("Basic \(credentials)", forHTTPHeaderField: "Authorization")
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw CLIFailure(
                "the RabbitMQ management API at \(baseURL.absoluteString) is not reachable "
                    + "(\(ErrorReport.singleLine(error.localizedDescription))); name the queues with --queue, "
                    + "or enable it with 'rabbitmq-plugins enable rabbitmq_management'"
            )
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            let hint = status == 401 ? " (the credentials of the AMQP URL were refused)" : ""
            throw CLIFailure(
                "the RabbitMQ management API at \(baseURL.absoluteString) answered HTTP \(status)\(hint); name the queues with --queue"
            )
        }
        do {
            return try JSONDecoder().decode([Queue].self, from: data)
        } catch {
            throw CLIFailure("the RabbitMQ management API at \(baseURL.absoluteString) sent an unexpected answer; name the queues with --queue")
        }
    }
}

/// A JSON value of which only strings matter.
private struct LooseValue: Decodable {
    let string: String?

    init(from decoder: any Decoder) throws {
        string = try? decoder.singleValueContainer().decode(String.self)
    }
}
