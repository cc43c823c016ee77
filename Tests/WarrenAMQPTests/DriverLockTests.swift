import Dispatch
import Testing
@testable import WarrenAMQP

@Suite("DriverLock")
struct DriverLockTests {
    @Test("the holder passes the ownership check, on the I/O side and through withIdleDriver")
    func holderPasses() {
        let lock = DriverLock()
        lock.lock()
        lock.assertHeldByCurrentThread()
        lock.unlock()
        // No driver: withIdleDriver takes and releases the lock without running the body.
        #expect(lock.withIdleDriver { _ in true } == nil)
    }

    #if DEBUG
    @Test("touching the connection without the lock stops a debug build")
    func nonHolderTraps() async {
        await #expect(processExitsWith: .failure) {
            DriverLock().assertHeldByCurrentThread()
        }
    }

    @Test("another thread's hold does not count as the caller's")
    func otherThreadsHoldTraps() async {
        await #expect(processExitsWith: .failure) {
            let lock = DriverLock()
            let held = DispatchSemaphore(value: 0)
            _ = DetachedThread.start {
                lock.lock()
                held.signal()
            }
            held.wait()
            lock.assertHeldByCurrentThread()
        }
    }
    #endif
}
