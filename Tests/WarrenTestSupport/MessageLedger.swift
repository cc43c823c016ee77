import Synchronization

/// Counts messages by id through a fault test: what was published, what the broker confirmed, what
/// handlers processed (every time), what ended dead-lettered. A confirmed message that was neither
/// processed nor dead-lettered is lost; one processed more than once is a duplicate.
public final class MessageLedger: Sendable {
    private struct State {
        var published: Set<String> = []
        var confirmed: Set<String> = []
        var processed: [String: Int] = [:]
        var deadLettered: Set<String> = []
    }

    private let state = Mutex(State())

    public init() {}

    public func published(_ id: String) { state.withLock { _ = $0.published.insert(id) } }
    public func confirmed(_ id: String) { state.withLock { _ = $0.confirmed.insert(id) } }
    public func processed(_ id: String) { state.withLock { $0.processed[id, default: 0] += 1 } }
    public func deadLettered(_ id: String) { state.withLock { _ = $0.deadLettered.insert(id) } }

    /// The figures so far.
    public var report: Report {
        state.withLock { state in
            let done = Set(state.processed.keys).union(state.deadLettered)
            return Report(
                published: state.published.count,
                confirmed: state.confirmed.count,
                processed: state.processed.count,
                deadLettered: state.deadLettered.count,
                lost: state.confirmed.subtracting(done).count,
                duplicated: state.processed.values.filter { $0 > 1 }.count,
                extraDeliveries: state.processed.values.reduce(0) { $0 + max(0, $1 - 1) },
                unconfirmedButProcessed: Set(state.processed.keys).subtracting(state.confirmed).count
            )
        }
    }

    /// The ledger's figures.
    public struct Report: Sendable, CustomStringConvertible {
        public var published: Int
        public var confirmed: Int
        public var processed: Int
        public var deadLettered: Int
        /// Confirmed, yet never processed nor dead-lettered.
        public var lost: Int
        /// Ids processed more than once.
        public var duplicated: Int
        /// Processing runs beyond the first, over all ids.
        public var extraDeliveries: Int
        /// Publishes whose confirm was lost with the connection but which reached the broker.
        public var unconfirmedButProcessed: Int

        public var description: String {
            "published \(published), confirmed \(confirmed), processed \(processed), dead-lettered \(deadLettered), "
                + "lost \(lost), duplicated \(duplicated) (\(extraDeliveries) extra runs), "
                + "processed without confirm \(unconfirmedButProcessed)"
        }
    }
}
