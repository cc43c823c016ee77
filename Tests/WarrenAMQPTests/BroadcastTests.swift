import Testing

@testable import WarrenAMQP

@Suite("Broadcast")
struct BroadcastTests {
    @Test("every waiter gets the one result; a later settle is ignored; a waiter after settling gets it at once")
    func everyWaiterGetsTheResult() async throws {
        let broadcast = Broadcast<Int>()
        async let first = broadcast.value()
        async let second = broadcast.value()
        async let third = broadcast.valueIgnoringCancellation()
        try await Task.sleep(for: .milliseconds(20))
        #expect(broadcast.settle(.success(7)))
        #expect(!broadcast.settle(.success(8)))
        #expect(try await first == 7)
        #expect(try await second == 7)
        #expect(try await third.get() == 7)
        #expect(try await broadcast.value() == 7)
    }

    @Test("a cancelled waiter stops with CancellationError; the others still get the result")
    func cancelledWaiterLeavesOthers() async throws {
        let broadcast = Broadcast<String>()
        let cancelled = Task { try await broadcast.value() }
        let staying = Task { try await broadcast.value() }
        let ignoring = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await broadcast.valueIgnoringCancellation()
        }
        try await Task.sleep(for: .milliseconds(20))
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(broadcast.result == nil)
        broadcast.settle(.success("done"))
        #expect(try await staying.value == "done")
        #expect(try await ignoring.value.get() == "done")
    }

    @Test("a waiter cancelled before it waits ends at once")
    func cancelledBeforeWaiting() async throws {
        let broadcast = Broadcast<Int>()
        let waiter = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await broadcast.value()
        }
        await #expect(throws: CancellationError.self) { try await waiter.value }
        broadcast.settle(.failure(CancellationError()))
    }
}
