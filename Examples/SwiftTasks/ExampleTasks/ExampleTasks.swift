import Foundation
import Warren

/// Make a thumbnail of an uploaded image. Always succeeds (here: a short sleep).
public struct ResizeImage: WarrenTask {
    public static let name = "resize-image"
    public var imageID: Int
    public var width: Int

    public init(imageID: Int, width: Int) {
        self.imageID = imageID
        self.width = width
    }
}

/// Charge a card. The "gateway" times out now and then (retried with back-off), and one card is
/// always declined, which ends in the dead-letter queue after its retries.
public struct ChargeCard: WarrenTask {
    public static let name = "charge-card"
    public var orderID: Int
    public var card: String
    public var cents: Int

    public init(orderID: Int, card: String, cents: Int) {
        self.orderID = orderID
        self.card = card
        self.cents = cents
    }

    /// The card the example gateway always declines.
    public static let declinedCard = "4000-0000-0000-0002"
}

/// The example's queue: `EXAMPLE_QUEUE`, else `warren-example`.
public func exampleQueueName() -> String {
    ProcessInfo.processInfo.environment["EXAMPLE_QUEUE"] ?? "warren-example"
}

/// An error a flaky payment gateway returns.
public struct GatewayError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
