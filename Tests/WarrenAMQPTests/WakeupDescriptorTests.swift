import Foundation
import Synchronization
import Testing
@testable import WarrenAMQP

/// The descriptor that wakes a connection's I/O thread from `poll()`: both kinds, directly.
@Suite("WakeupDescriptor")
struct WakeupDescriptorTests {
    @Test("this platform's kinds: eventfd and pipe on Linux, only the pipe elsewhere")
    func supportedKinds() {
        #if os(Linux)
        #expect(WakeupDescriptor.Kind.supported == [.eventFD, .pipe])
        #else
        #expect(WakeupDescriptor.Kind.supported == [.pipe])
        #endif
    }

    @Test("many signals make it readable; one drain makes it unreadable until the next signal", arguments: WakeupDescriptor.Kind.supported)
    func signalPollDrain(kind: WakeupDescriptor.Kind) throws {
        let wakeup = try WakeupDescriptor(kind: kind)
        defer { wakeup.close() }
        #expect(wakeup.kind == kind)
        #expect(!isReadable(wakeup.readableFD), "fresh")
        // More signals than a pipe holds (64 KiB on Linux): the writes past that find it full.
        for _ in 0..<100_000 { wakeup.signal() }
        #expect(isReadable(wakeup.readableFD), "after 100,000 signals")
        wakeup.drain()
        #expect(!isReadable(wakeup.readableFD), "after the drain")
        for round in 1...3 {
            wakeup.signal()
            #expect(isReadable(wakeup.readableFD), "round \(round): after one signal")
            wakeup.drain()
            #expect(!isReadable(wakeup.readableFD), "round \(round): after the drain")
        }
        wakeup.drain()
        #expect(!isReadable(wakeup.readableFD), "a drain with nothing to drain returns at once")
    }

    @Test("a signal from another thread ends a poll() that waits without a timeout", arguments: WakeupDescriptor.Kind.supported)
    func wakesABlockedPoll(kind: WakeupDescriptor.Kind) async throws {
        let wakeup = try WakeupDescriptor(kind: kind)
        defer { wakeup.close() }
        let fd = wakeup.readableFD
        let result = PollResult()
        let polling = Thread {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 10_000)
            result.set(ready == 1 && descriptor.revents & Int16(POLLIN) != 0 ? "readable" : "poll() returned \(ready)")
        }
        polling.start()
        try await Task.sleep(for: .milliseconds(50))
        #expect(result.value == nil, "poll() returned before the signal")
        wakeup.signal()
        let deadline = ContinuousClock.now + .seconds(5)
        while result.value == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(result.value == "readable")
    }

    @Test("both ends are non-blocking and close-on-exec", arguments: WakeupDescriptor.Kind.supported)
    func descriptorFlags(kind: WakeupDescriptor.Kind) throws {
        let wakeup = try WakeupDescriptor(kind: kind)
        defer { wakeup.close() }
        let fd = wakeup.readableFD
        #expect(fcntl(fd, F_GETFL) & O_NONBLOCK != 0)
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
    }

    @Test("WARREN_WAKEUP=pipe selects the pipe; unset or anything else, the platform's first kind")
    func environmentChoice() {
        #expect(WakeupDescriptor.Kind.choose(environment: "pipe") == .pipe)
        #expect(WakeupDescriptor.Kind.choose(environment: nil) == WakeupDescriptor.Kind.supported[0])
        #expect(WakeupDescriptor.Kind.choose(environment: "eventfd") == WakeupDescriptor.Kind.supported[0])
        #expect(WakeupDescriptor.Kind.choose(environment: "") == WakeupDescriptor.Kind.supported[0])
    }

    @Test("the inbox uses the default kind, which follows this process's WARREN_WAKEUP")
    func inboxUsesTheDefault() throws {
        let variable = ProcessInfo.processInfo.environment["WARREN_WAKEUP"]
        print("WARREN_WAKEUP=\(variable ?? "(unset)"): inboxes use \(WakeupDescriptor.Kind.default)")
        #expect(WakeupDescriptor.Kind.default == WakeupDescriptor.Kind.choose(environment: variable))
        if variable == "pipe" { #expect(WakeupDescriptor.Kind.default == .pipe) }
        let inbox = try Inbox()
        #expect(inbox.wakeupKind == WakeupDescriptor.Kind.default)
    }

    /// What the polling thread saw, for the test's task to read.
    private final class PollResult: Sendable {
        private let state = Mutex<String?>(nil)
        var value: String? { state.withLock { $0 } }
        func set(_ value: String) { state.withLock { $0 = value } }
    }

    /// Whether `poll()` with a zero timeout reports `fd` readable.
    private func isReadable(_ fd: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 1 && descriptor.revents & Int16(POLLIN) != 0
    }
}
