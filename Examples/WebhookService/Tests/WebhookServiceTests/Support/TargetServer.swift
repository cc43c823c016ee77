import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// How the target answers one request to a hook.
enum TargetReply: Sendable {
    /// Answer at once with this status.
    case status(Int)
    /// Answer with `status` after `delay`.
    case delayed(Duration, status: Int)
    /// Keep the request open until ``TargetServer/release(_:)`` (or 30 s), then answer 200.
    case hold
    /// Answer 307 Temporary Redirect to `location`.
    case redirect(String)
}

/// The webhook receiver of the tests, in-process: Hummingbird on 127.0.0.1 and a free port. Each
/// hook (`/hooks/NAME`) follows its own plan of replies (then 200s) and records what it received.
final class TargetServer: Sendable {
    /// One request the target received.
    struct Received: Sendable {
        var body: Data
        var jobID: String?
        var attempt: String?
        var contentType: String?
        var at: ContinuousClock.Instant

        /// The body as a JSON object.
        var json: [String: any Sendable] {
            (try? JSONSerialization.jsonObject(with: body) as? [String: any Sendable]) ?? [:]
        }
    }

    private struct State {
        var plans: [String: [TargetReply]] = [:]
        var received: [String: [Received]] = [:]
        var released: Set<String> = []
        var stopping = false
    }

    /// The state, shared with the request handlers.
    private final class SharedState: Sendable {
        private let mutex = Mutex(State())

        func withLock<Result: Sendable>(_ body: (inout State) -> Result) -> Result {
            mutex.withLock { body(&$0) }
        }
    }

    let port: Int
    private let state: SharedState
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    private init(port: Int, state: SharedState, group: ServiceGroup, running: Task<Void, any Error>) {
        self.port = port
        self.state = state
        self.group = group
        self.running = running
    }

    /// The URL of hook `name`.
    func url(_ name: String) -> String { "http://127.0.0.1:\(port)/hooks/\(name)" }

    /// Sets the replies to the next requests to hook `name`; later ones get 200.
    func plan(_ name: String, _ replies: [TargetReply]) {
        state.withLock { $0.plans[name] = replies }
    }

    /// What hook `name` received so far.
    func received(_ name: String) -> [Received] {
        state.withLock { $0.received[name] ?? [] }
    }

    /// Lets the held requests of hook `name` (and later ones) answer.
    func release(_ name: String) {
        state.withLock { _ = $0.released.insert(name) }
    }

    /// Releases every held request and stops the server.
    func stop() async {
        state.withLock { $0.stopping = true }
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }

    /// Starts a target server.
    static func start() async throws -> TargetServer {
        let state = SharedState()
        let router = Router()
        router.post("/hooks/{name}") { request, context -> Response in
            var request = request
            let name = context.parameters.get("name") ?? ""
            let body = try await request.collectBody(upTo: 1 << 20)
            let received = Received(
                body: Data(body.readableBytesView),
                jobID: request.headers[HTTPField.Name("X-Webhook-Job-Id")!],
                attempt: request.headers[HTTPField.Name("X-Webhook-Attempt")!],
                contentType: request.headers[.contentType],
                at: .now
            )
            let reply = state.withLock { state -> TargetReply in
                let index = state.received[name, default: []].count
                state.received[name, default: []].append(received)
                let plan = state.plans[name] ?? []
                return index < plan.count ? plan[index] : .status(200)
            }
            return try await answer(reply, hook: name, state: state)
        }
        var logger = Logger(label: "test-target")
        logger.logLevel = .warning
        let ports = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "test-target"),
            onServerRunning: { channel in ports.continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let running = Task { try await group.run() }
        let port = await withTaskGroup(of: Int?.self) { waits in
            waits.addTask { await ports.stream.first { _ in true } }
            waits.addTask {
                try? await Task.sleep(for: .seconds(10))
                return nil
            }
            defer { waits.cancelAll() }
            return await waits.next() ?? nil
        }
        guard let port, port > 0 else {
            running.cancel()
            throw TimedOut(description: "the test target server did not start")
        }
        return TargetServer(port: port, state: state, group: group, running: running)
    }

    private static func answer(_ reply: TargetReply, hook: String, state: SharedState) async throws -> Response {
        switch reply {
        case .status(let status):
            return response(status)
        case .delayed(let delay, let status):
            try await Task.sleep(for: delay)
            return response(status)
        case .redirect(let location):
            return Response(status: .temporaryRedirect, headers: [.location: location])
        case .hold:
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline, !state.withLock({ $0.released.contains(hook) || $0.stopping }) {
                try await Task.sleep(for: .milliseconds(10))
            }
            return response(200)
        }
    }

    private static func response(_ status: Int) -> Response {
        let text = status < 300 ? "ok" : "test target says \(status)"
        return Response(status: .init(code: status), body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
