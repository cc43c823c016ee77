import Synchronization

/// The queue of commands from Swift callers to a connection's I/O thread.
///
/// Callers append under a lock and, when the I/O thread has not been woken since it last drained the
/// queue, signal a ``WakeupDescriptor`` (an eventfd on Linux, a pipe elsewhere) that the thread polls
/// together with the socket. So a burst of commands costs one wake-up, not one per command.
final class Inbox: Sendable {
    private struct State {
        var commands: [Command] = []
        var wakeupPending = false
        var closedWith: AMQPError?
    }

    private let state = Mutex(State())
    private let wakeup: WakeupDescriptor

    /// The descriptor the I/O thread polls; readable when commands are waiting.
    var wakeupFD: Int32 { wakeup.readableFD }
    /// Which kind of descriptor that is (``WakeupDescriptor/Kind/default``).
    var wakeupKind: WakeupDescriptor.Kind { wakeup.kind }

    init() throws(AMQPError) {
        wakeup = try WakeupDescriptor()
    }

    deinit {
        wakeup.close()
    }

    /// Appends a command. Returns the connection's close reason instead when it is closed, in which
    /// case the command was not taken and the caller must fail it.
    ///
    /// - Parameter wakeIOThread: false when the caller holds the ``DriverLock`` and drains the inbox
    ///   itself right after.
    func submit(_ command: Command, wakeIOThread: Bool = true) -> AMQPError? {
        let (rejection, wake): (AMQPError?, Bool) = state.withLock { state in
            if let closed = state.closedWith { return (closed, false) }
            state.commands.append(command)
            if !wakeIOThread || state.wakeupPending { return (nil, false) }
            state.wakeupPending = true
            return (nil, true)
        }
        if wake { self.wake() }
        return rejection
    }

    /// Makes the I/O thread's `poll()` return, so that it looks at its state again.
    func wake() {
        wakeup.signal()
    }

    /// Moves every waiting command into `buffer` (which must be empty). Called by the I/O thread.
    func drain(into buffer: inout [Command]) {
        // Drain the wake-up first: a submit racing with us either lands in this drain or wakes us again.
        wakeup.drain()
        state.withLock { state in
            swap(&buffer, &state.commands)
            state.wakeupPending = false
        }
    }

    /// Refuses further commands and returns those still waiting, for the I/O thread to fail them.
    func close(with reason: AMQPError) -> [Command] {
        state.withLock { state in
            state.closedWith = reason
            let rest = state.commands
            state.commands = []
            return rest
        }
    }

    /// True when no command waits.
    var isEmpty: Bool {
        state.withLock { $0.commands.isEmpty }
    }

    /// The reason the inbox was closed, if it was.
    var closedReason: AMQPError? {
        state.withLock { $0.closedWith }
    }
}
