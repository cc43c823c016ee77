import CRabbitMQ

/// A rabbitmq-c memory pool for the arguments of one outgoing frame.
///
/// rabbitmq-c encodes a method synchronously inside `amqp_send_method` / `amqp_basic_publish`, so
/// strings and tables only need to live until that call returns. The I/O thread copies them into this
/// pool, makes the call, then ``reset()``s the pool, which keeps its blocks for the next frame.
/// Owned by one I/O thread; never shared.
struct ScratchPool: ~Copyable {
    let pointer: UnsafeMutablePointer<amqp_pool_t>

    init(blockSize: Int = 16 * 1024) {
        pointer = .allocate(capacity: 1)
        init_amqp_pool(pointer, blockSize)
    }

    deinit {
        empty_amqp_pool(pointer)
        pointer.deallocate()
    }

    /// Releases everything allocated since the last reset, keeping the blocks for reuse.
    func reset() {
        recycle_amqp_pool(pointer)
    }

    /// Copies the UTF-8 bytes of `string` into the pool.
    func bytes(_ string: String) throws(AMQPError) -> amqp_bytes_t {
        try CPoolMemory.copy(string.utf8, into: pointer)
    }

    /// Copies a short string (at most 255 UTF-8 bytes, as AMQP requires for names) into the pool.
    func shortString(_ string: String, field: String) throws(AMQPError) -> amqp_bytes_t {
        guard string.utf8.count <= 255 else {
            throw AMQPError(
                .invalidArgument,
                "\(field) '\(string.prefix(40))…' is \(string.utf8.count) bytes long; AMQP allows at most 255"
            )
        }
        return try bytes(string)
    }
}

extension amqp_bytes_t {
    /// Copies the bytes out into a Swift string (UTF-8, invalid sequences repaired).
    var string: String { CPoolMemory.lossyString(self) }
}
