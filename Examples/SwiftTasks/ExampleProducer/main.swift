// Enqueues example tasks for ExampleWorker: `swift run ExampleProducer [COUNT]`.
// Every fifth order pays with the card the example gateway declines: watch it go to the
// dead-letter queue (`warren dead-letters list --queue warren-example`).
import ExampleTasks
import Foundation
import Warren

let count = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 10
let connection = try await AMQPConnection.connect(try AMQPConnection.Configuration.fromEnvironment())
let producer = TaskProducer(connection: connection, configuration: .init(appID: "example-producer"))
let queue = TaskQueue(exampleQueueName())
try await producer.declare(queue)

for index in 1...count {
    let receipt: EnqueuedTask
    if index.isMultiple(of: 2) {
        let card = index.isMultiple(of: 5) ? ChargeCard.declinedCard : "4242-4242-4242-4242"
        receipt = try await producer.enqueue(
            ChargeCard(orderID: index, card: card, cents: 100 * index),
            to: queue.name,
            options: EnqueueOptions(messageID: "order-\(index)-charge")
        )
    } else {
        receipt = try await producer.enqueue(ResizeImage(imageID: index, width: 256), to: queue.name)
    }
    print("enqueued \(receipt.taskName) \(receipt.messageID)")
}
await connection.close()
