import Warren

/// The demo's first task: makes a thumbnail of an image. Always succeeds, in about 50 ms.
struct ResizeImage: WarrenTask {
    static let name = "resize-image"
    /// The task's number in the demo, from 1.
    var number: Int
    /// The image to resize.
    var image: String
    /// The thumbnail's width in pixels.
    var width: Int
}

/// The demo's second task: charges a card. Fails for ``declinedCard``, always.
struct ChargeCard: WarrenTask {
    static let name = "charge-card"
    /// The card the bank always declines.
    static let declinedCard = "4000 0000 0000 0002"

    /// The task's number in the demo, from 1.
    var number: Int
    /// The card number.
    var card: String
    /// The amount in cents.
    var cents: Int
}

/// The failure of a declined card: retrying will not help, but the demo retries anyway to show
/// retries and the dead-letter queue.
struct CardDeclined: Error, CustomStringConvertible {
    var description: String { "card declined" }
}
