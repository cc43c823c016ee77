// An AMQP client on its own: connect, declare a queue, publish with a confirm, consume and ack.
import WarrenAMQP

// snippet.show
let connection = try await AMQPConnection.connect(try .fromEnvironment())  // AMQP_URL
let channel = try await connection.openChannel()
try await channel.queueDeclare("greetings", durable: true)

// Publisher confirms: publish returns once the broker has the message.
try await channel.confirmSelect()
try await channel.publish(Array("hello".utf8), routingKey: "greetings")

// Consume with manual acknowledgement, at most 10 unacknowledged at a time.
let consuming = try await connection.openChannel()
try await consuming.basicQos(prefetchCount: 10)
for try await delivery in try await consuming.consume(queue: "greetings") {
    print(String(decoding: delivery.body, as: UTF8.self))
    try delivery.ack()
    break
}
await connection.close()
// snippet.end
