import Logging
import Synchronization

/// Collects every log line (message and metadata) of the loggers made with ``handler()``.
final class LogRecorder: Sendable {
    private let storage = Mutex<[String]>([])

    var lines: [String] { storage.withLock { $0 } }

    func handler() -> some LogHandler { Handler(recorder: self) }

    fileprivate func record(_ line: String) { storage.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var all = metadata
            for (key, value) in event.metadata ?? [:] { all[key] = value }
            recorder.record("\(event.level) \(event.message) \(all)")
        }
    }
}
