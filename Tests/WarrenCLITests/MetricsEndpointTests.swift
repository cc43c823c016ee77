import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import Warren

/// `warren worker --metrics-port`: a Prometheus scrape of a running worker.
@Suite("warren worker --metrics-port", .timeLimit(.minutes(1)))
struct MetricsEndpointTests {
    @Test("GET /metrics shows the worker's task counters and duration histogram, labelled by queue and task; other paths are 404")
    func scrape() async throws {
        try await TestScope.run("metrics") { scope in
            try await scope.declareQueue()
            for _ in 0..<3 { try await scope.enqueue() }
            let port = try Self.freePort()
            let worker = try scope.startWorker(
                exec: "cat > /dev/null",
                ["--metrics-port", "\(port)", "--metrics-host", "127.0.0.1"]
            )
            let labels = #"queue="\#(scope.queue)""#
            func succeeded(_ text: String) -> Substring? {
                text.split(separator: "\n").first { $0.hasPrefix("warren_tasks_succeeded_total{") && $0.contains(labels) }
            }
            // Scraped until all three are counted: the queue empties when the tasks are delivered,
            // before they finish.
            var text = ""
            #expect(await eventually(within: .seconds(15)) {
                text = (try? await Self.get("http://127.0.0.1:\(port)/metrics").body) ?? ""
                return succeeded(text)?.hasSuffix(" 3") == true
            }, "scrape: \(text); worker: \(worker.stderr)")
            #expect(text.contains("# TYPE warren_tasks_succeeded_total counter"))
            #expect(text.contains("# TYPE warren_task_duration_seconds histogram"))
            #expect(text.contains("warren_task_duration_seconds_count{"))
            #expect(text.contains("warren_tasks_in_flight{\(labels)} 0") || text.contains("warren_tasks_in_flight{\(labels)} 0.0"))
            let missing = try await Self.get("http://127.0.0.1:\(port)/nothing")
            #expect(missing.status == 404)
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit(within: .seconds(10)) == 0)
        }
    }

    static func get(_ url: String) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// A port nothing listens on now (the kernel's pick for port 0).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
