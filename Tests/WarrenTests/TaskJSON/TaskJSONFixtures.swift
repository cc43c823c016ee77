// Codable fixture types more than one Task JSON suite uses; the others are private to their suite's file.

struct Leaf: Codable, Equatable {
    var n: Int
    var s: String
}

/// Doubles compared by bit pattern (so -0.0 is not 0.0).
struct Reals: Codable, Equatable {
    var d: Double
    var list: [Double]

    static func == (lhs: Reals, rhs: Reals) -> Bool {
        lhs.d.bitPattern == rhs.d.bitPattern && lhs.list.map(\.bitPattern) == rhs.list.map(\.bitPattern)
    }
}

enum Event: Codable, Equatable {
    case started
    case progress(Int, note: String)
    case finished(result: Double?)
    case moved(Leaf, to: [Int])
}

enum Color: String, Codable, Equatable {
    case red
    case green = "vert"
    case blue = "b/l\"ue\n"
}

struct Order: Codable, Equatable {
    var id: Int
    var name: String
    var tags: [String]
    var leaf: Leaf
    var color: Color
    var event: Event?
}
