import Foundation
import Synchronization
import Testing
@testable import WarrenAMQP

/// ``DetachedThread`` and ``setCurrentThreadName(_:)``: the pieces the I/O thread starts with.
@Suite("detached threads and their names")
struct DetachedThreadTests {
    @Test("a detached thread runs its body and names itself; Linux keeps 15 bytes, cut at a character boundary")
    func runsAndNamesItself() async throws {
        let seen = SeenName()
        let status = DetachedThread.start {
            setCurrentThreadName("wärren-ämqp-iö-long")
            seen.set(currentThreadName() ?? "(unreadable)")
        }
        #expect(status == 0)
        let deadline = ContinuousClock.now + .seconds(5)
        while seen.value == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(2))
        }
        #if os(Linux)
        // w ä r r e n - ä m q p - i = 15 bytes; "ö" would make 17.
        #expect(seen.value == "wärren-ämqp-i")
        #else
        #expect(seen.value == "wärren-ämqp-iö-long")
        #endif
    }

    /// The calling thread's name as the system reports it.
    private func currentThreadName() -> String? {
        #if os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8) else { return nil }
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
        #elseif canImport(Darwin)
        var buffer = [CChar](repeating: 0, count: 64)
        guard pthread_getname_np(pthread_self(), &buffer, buffer.count) == 0 else { return nil }
        return String(cString: buffer)
        #else
        return nil
        #endif
    }

    /// The name the new thread saw, for the test's task to read.
    private final class SeenName: Sendable {
        private let state = Mutex<String?>(nil)
        var value: String? { state.withLock { $0 } }
        func set(_ value: String) { state.withLock { $0 = value } }
    }
}
