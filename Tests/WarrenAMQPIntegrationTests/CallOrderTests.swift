import Testing
@testable import WarrenAMQP

@Suite("One synchronous call on the wire per channel")
struct CallOrderTests {
    /// RabbitMQ answers `basic.consume` from the queue's process: a `queue.declare` pipelined right
    /// behind it could be answered first and matched to the consume. Submitted back to back (one
    /// wake-up of the I/O thread for both), each must get its own reply, and the declare must see the
    /// consumer the consume before it registered.
    @Test("a consume and a declare submitted back to back each get their own reply, 300 times")
    func consumeThenDeclare() async throws {
        let queue = uniqueName("call-order")
        var configuration = try testConfiguration()
        configuration.callTimeout = .seconds(5)
        try await withTestChannel(queues: [queue], configuration: configuration) { _, channel in
            try await channel.queueDeclare(queue, durable: false, exclusive: true)
            let identity = channel.shared.identity
            for round in 1...300 {
                let consume = Promise<RPCReply>()
                let declare = Promise<RPCReply>()
                let request = MethodRequest.basicConsume(
                    queue: queue, consumerTag: "c\(round)", exclusive: false, noAck: false, arguments: [:],
                    buffer: DeliveryBuffer()
                )
                _ = channel.core.inbox.submit(.rpc(identity, request, consume))
                _ = channel.core.inbox.submit(
                    .rpc(
                        identity,
                        .queueDeclare(name: queue, passive: true, durable: false, exclusive: false, autoDelete: false, arguments: [:]),
                        declare
                    )
                )
                let consumed = try await consume.wait()
                let declared = try await declare.wait()
                guard case .consumerTag(let tag) = consumed, case .queueDeclared(let result) = declared else {
                    Issue.record("round \(round): replies crossed: consume got \(consumed), declare got \(declared)")
                    return
                }
                #expect(tag == "c\(round)")
                #expect(result.consumerCount == UInt32(round), "round \(round)")
            }
        }
    }
}
