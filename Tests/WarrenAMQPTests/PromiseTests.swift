import Foundation
import Synchronization
import Testing
@testable import WarrenAMQP

private struct Boom: Error, Equatable {
    var code: Int
}

private struct TimeLimitExceeded: Error, CustomStringConvertible {
    var what: String
    var description: String { "\(what) did not finish in time" }
}

/// Resumes a continuation once; later resumes are ignored.
private final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T, any Error>?>

    init(_ continuation: CheckedContinuation<T, any Error>) {
        self.continuation = Mutex(continuation)
    }

    func resume(with result: Result<T, any Error>) {
        let continuation = self.continuation.withLock { current in
            defer { current = nil }
            return current
        }
        continuation?.resume(with: result)
    }
}

/// Runs `body` in a task of its own and returns its result, or throws `TimeLimitExceeded` after
/// `limit`, cancelling the body but not waiting for it. So a lost wake-up (a `wait()` that never
/// returns, even when cancelled) fails the test instead of hanging the run.
private func withTimeLimit<T: Sendable>(
    _ limit: Duration,
    _ what: String,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let work = Task { try await body() }
    return try await withCheckedThrowingContinuation { continuation in
        let once = ResumeOnce(continuation)
        let timer = Task {
            try await Task.sleep(for: limit)
            work.cancel()
            once.resume(with: .failure(TimeLimitExceeded(what: what)))
        }
        Task {
            let result = await work.result
            timer.cancel()
            once.resume(with: result)
        }
    }
}

/// A promise and a flag its waiter raises just before it calls `wait()`.
private final class WaitPair: Sendable {
    let promise = Promise<Int>()
    private let started = Atomic<Bool>(false)

    var hasStarted: Bool { started.load(ordering: .acquiring) }

    func markStarted() {
        started.store(true, ordering: .releasing)
    }

    /// Spins (yielding the CPU) until the waiter has started. For a plain thread, not a task.
    func awaitStart() {
        while !hasStarted { sched_yield() }
    }
}

/// Waits until `condition` holds, polling; fails the test after about five seconds.
private func eventually(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    for _ in 0..<5_000 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(1))
    }
    Issue.record("condition not met within 5 s", sourceLocation: sourceLocation)
}

@Suite("Promise")
struct PromiseTests {
    @Test("a value settled before anyone waits is returned by wait (reply before the caller registered)")
    func settledBeforeWait() async throws {
        let promise = Promise<Int>()
        #expect(!promise.isSettled)
        #expect(promise.succeed(42))
        #expect(promise.isSettled)
        let value = try await promise.wait()
        #expect(value == 42)
    }

    @Test("a value settled while the caller waits wakes it")
    func settledAfterWaitStarts() async throws {
        let promise = Promise<String>()
        let started = Atomic<Bool>(false)
        let waiter = Task {
            started.store(true, ordering: .sequentiallyConsistent)
            return try await promise.wait()
        }
        try await eventually { started.load(ordering: .sequentiallyConsistent) }
        // Give the waiter time to park its continuation; either way the result must arrive.
        try await Task.sleep(for: .milliseconds(50))
        #expect(!promise.isSettled)
        #expect(promise.succeed("reply"))
        let value = try await withTimeLimit(.seconds(10), "the waiter") { try await waiter.value }
        #expect(value == "reply")
    }

    @Test("only the first settle counts; later ones return false")
    func secondSettleReturnsFalse() async throws {
        let promise = Promise<Int>()
        #expect(promise.succeed(1))
        #expect(!promise.succeed(2))
        #expect(!promise.fail(Boom(code: 3)))
        #expect(try await promise.wait() == 1)
        // Settling after the value was delivered is refused too.
        #expect(!promise.succeed(4))
    }

    @Test("a failure settled first wins over a later value")
    func failThenSucceed() async {
        let promise = Promise<Int>()
        #expect(promise.fail(Boom(code: 1)))
        #expect(!promise.succeed(2))
        await #expect(throws: Boom(code: 1)) { try await promise.wait() }
    }

    @Test("fail propagates the error to the waiter")
    func failPropagates() async throws {
        let promise = Promise<Int>()
        let waiter = Task { try await promise.wait() }
        try await Task.sleep(for: .milliseconds(20))
        #expect(promise.fail(AMQPError(.channelClosed, "gone", replyCode: 404, channel: 5)))
        let error = try await #require(throws: AMQPError.self) {
            try await withTimeLimit(.seconds(10), "the waiter") { try await waiter.value }
        }
        #expect(error.code == .channelClosed)
        #expect(error.replyCode == 404)
        #expect(error.channel == 5)
    }

    @Test("cancelling the waiting task throws CancellationError; a later succeed returns false")
    func cancellationWhileWaiting() async throws {
        let promise = Promise<Int>()
        let started = Atomic<Bool>(false)
        let waiter = Task {
            started.store(true, ordering: .sequentiallyConsistent)
            return try await promise.wait()
        }
        try await eventually { started.load(ordering: .sequentiallyConsistent) }
        try await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        await #expect(throws: CancellationError.self) {
            try await withTimeLimit(.seconds(10), "the cancelled waiter") { try await waiter.value }
        }
        #expect(promise.isSettled)
        // The I/O thread learns that its caller is gone.
        #expect(!promise.succeed(1))
        #expect(!promise.fail(Boom(code: 1)))
    }

    @Test("a task cancelled before it waits gets CancellationError at once")
    func cancelledBeforeWait() async throws {
        let promise = Promise<Int>()
        let waiter = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            #expect(Task.isCancelled)
            return try await promise.wait()
        }
        await #expect(throws: CancellationError.self) {
            try await withTimeLimit(.seconds(10), "the cancelled waiter") { try await waiter.value }
        }
        #expect(promise.isSettled)
        #expect(!promise.succeed(1))
    }

    @Test("a value settled before a cancelled task waits is still returned")
    func settledThenCancelled() async throws {
        let promise = Promise<Int>()
        #expect(promise.succeed(7))
        let waiter = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await promise.wait()
        }
        #expect(try await waiter.value == 7)
    }

    @Test(
        "10,000 promises settled from a separate thread just as their waiters start: every waiter gets its value",
        .timeLimit(.minutes(1))
    )
    func manyPairsSettledFromThread() async throws {
        let count = 10_000
        let pairs = (0..<count).map { _ in WaitPair() }
        let accepted = Atomic<Int>(0)
        let sum = try await withTimeLimit(.seconds(30), "10,000 waiters") {
            try await withThrowingTaskGroup(of: Int.self) { group in
                // The thread settles each even-numbered promise as soon as its waiter has started, so
                // the settle lands just before or just after the waiter parks, and the odd-numbered
                // ones without waiting, mostly before their waiter exists: every path runs many times.
                Thread {
                    for (index, pair) in pairs.enumerated() {
                        if index.isMultiple(of: 2) { pair.awaitStart() }
                        if pair.promise.succeed(index) { accepted.add(1, ordering: .relaxed) }
                    }
                }.start()
                for pair in pairs {
                    group.addTask {
                        pair.markStarted()
                        return try await pair.promise.wait()
                    }
                }
                var sum = 0
                for try await value in group { sum += value }
                return sum
            }
        }
        #expect(sum == count * (count - 1) / 2)
        // The thread counts after each succeed() returns, so its last count may trail the last waiter.
        try await eventually { accepted.load(ordering: .relaxed) == count }
    }

    @Test(
        "10,000 promises failed from another task just as their waiters start: every waiter gets its error",
        .timeLimit(.minutes(1))
    )
    func manyPairsFailedFromTask() async throws {
        let count = 10_000
        let pairs = (0..<count).map { _ in WaitPair() }
        let failures = try await withTimeLimit(.seconds(30), "10,000 waiters") {
            try await withThrowingTaskGroup(of: Int.self) { group in
                let settler = Task.detached {
                    for (index, pair) in pairs.enumerated() {
                        while !pair.hasStarted { await Task.yield() }
                        pair.promise.fail(Boom(code: index))
                    }
                }
                for pair in pairs {
                    group.addTask {
                        do {
                            pair.markStarted()
                            _ = try await pair.promise.wait()
                            return -1
                        } catch let error as Boom {
                            return error.code
                        }
                    }
                }
                var codes: [Int] = []
                for try await code in group { codes.append(code) }
                await settler.value
                return codes
            }
        }
        #expect(failures.count == count)
        #expect(Set(failures) == Set(0..<count))
    }

    @Test(
        "settling races cancellation: a waiter gets the value exactly when succeed returned true",
        .timeLimit(.minutes(1))
    )
    func settleRacesCancellation() async throws {
        let count = 10_000
        let promises = (0..<count).map { _ in Promise<Int>() }
        let acceptedBySettler = Mutex<[Bool]>(Array(repeating: false, count: count))
        let settlerDone = Atomic<Bool>(false)
        let outcomes = try await withTimeLimit(.seconds(30), "racing waiters") {
            try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for (index, promise) in promises.enumerated() {
                    group.addTask {
                        do {
                            let value = try await promise.wait()
                            #expect(value == index)
                            return (index, true)
                        } catch is CancellationError {
                            return (index, false)
                        }
                    }
                }
                Thread {
                    for (index, promise) in promises.enumerated() {
                        let accepted = promise.succeed(index)
                        acceptedBySettler.withLock { $0[index] = accepted }
                    }
                    settlerDone.store(true, ordering: .sequentiallyConsistent)
                }.start()
                // Cancel every still-running waiter while the thread is settling.
                try await Task.sleep(for: .microseconds(200))
                group.cancelAll()
                var outcomes = Array(repeating: false, count: count)
                for try await (index, gotValue) in group { outcomes[index] = gotValue }
                // Wait for the thread to finish before reading what it recorded.
                try await eventually { settlerDone.load(ordering: .sequentiallyConsistent) }
                return outcomes
            }
        }
        let accepted = acceptedBySettler.withLock { $0 }
        var mismatches = 0
        for index in 0..<count where outcomes[index] != accepted[index] { mismatches += 1 }
        #expect(mismatches == 0, "\(mismatches) waiters disagree with what succeed() returned")
    }
}
