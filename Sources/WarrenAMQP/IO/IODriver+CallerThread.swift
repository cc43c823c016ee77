import CRabbitMQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension IODriver {
    /// The largest body a caller's thread publishes itself; larger ones go to the I/O thread, so that
    /// a caller never spends long in a socket write (its thread belongs to the shared pool).
    static let callerThreadPublishLimit = 64 * 1024

    /// What a publish adds to its body on the wire, at most, for the purpose of ``socketHasRoom(for:)``:
    /// three frame headers, the method and a generous allowance for the properties.
    static let publishOverheadAllowance = 8 * 1024

    /// True when a caller holding the ``DriverLock`` may execute `command` on its own thread: the
    /// publish of one message of modest size, while the broker has not blocked the connection and the
    /// socket can take it without making the writer wait. Everything else keeps going through the
    /// inbox: batches (the hand-over is shared by the batch already, and a long batch would keep the
    /// I/O thread from the confirms), synchronous methods with their deadlines, acks (which the I/O
    /// thread coalesces) and closing.
    func mayExecuteForCaller(_ command: Command) -> Bool {
        guard case .publishOne(_, let message, _) = command, !blockedByBroker else { return false }
        let bytes = message.body.count
        return bytes <= Self.callerThreadPublishLimit && socketHasRoom(for: bytes + Self.publishOverheadAllowance)
    }

    /// True when the kernel's send queue can take `bytes` more without blocking the writer
    /// (``socketSendRoom(_:)``). A caller's thread must never wait for a slow or stalled broker to
    /// read; the I/O thread may.
    func socketHasRoom(for bytes: Int) -> Bool {
        guard socketFD >= 0, let room = socketSendRoom(socketFD) else { return false }
        return bytes <= room
    }

    /// Executes `command` on the caller's thread, which holds the ``DriverLock`` while the I/O thread
    /// sleeps in `poll()`. Returns false, doing nothing, when the command must go through the inbox:
    /// ``mayExecuteForCaller(_:)`` refuses it, or other commands wait there (they may be anything, and
    /// a caller's commands keep their order only if this one goes behind them).
    ///
    /// Afterwards the I/O thread is woken only when it has something to do that it cannot see from its
    /// sleep: the connection ended, or rabbitmq-c read frames into its buffer while waiting to write.
    func executeForCaller(_ command: Command) -> Bool {
        guard mayExecuteForCaller(command), core.inbox.isEmpty else { return false }
        execute(command)
        if finished || amqp_frames_enqueued(connection) != 0 || amqp_data_in_buffer(connection) != 0 {
            core.inbox.wake()
        }
        return true
    }
}
