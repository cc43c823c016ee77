/// The tasks the demo enqueues: resize-image and charge-card alternately, the first charge with
/// the card that is always declined.
struct DemoPlan: Sendable {
    /// One planned task.
    enum Item: Sendable {
        case resize(ResizeImage)
        case charge(ChargeCard)

        /// The task's number.
        var number: Int {
            switch self {
            case .resize(let task): task.number
            case .charge(let task): task.number
            }
        }
    }

    /// The tasks, in order.
    let items: [Item]

    /// A plan of `count` tasks (at least 2, so that one can fail).
    init(count: Int) {
        items = (1...max(2, count)).map { number in
            if number % 2 == 1 {
                return .resize(ResizeImage(number: number, image: "photo-\(number).jpg", width: 320))
            }
            let card = number == 2 ? ChargeCard.declinedCard : "4242 4242 4242 " + String(String(10_000 + number % 10_000).suffix(4))
            return .charge(ChargeCard(number: number, card: card, cents: 1000 + number * 111))
        }
    }

    /// The number of the task that cannot succeed.
    var failingNumber: Int { 2 }
    /// How many tasks should succeed.
    var expectedSuccesses: Int { items.count - 1 }
}
