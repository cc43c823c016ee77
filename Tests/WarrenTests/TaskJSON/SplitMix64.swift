import WarrenTestSupport

/// What the TaskJSON tests draw from the seeded generator (WarrenTestSupport's `SplitMix64`).
extension SplitMix64 {
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &self)
    }

    mutating func chance(_ probability: Double) -> Bool {
        Double.random(in: 0..<1, using: &self) < probability
    }

    mutating func pick<T>(_ choices: [T]) -> T {
        choices[int(0...(choices.count - 1))]
    }

    /// Any finite double, from a random bit pattern.
    mutating func finiteDouble() -> Double {
        while true {
            let value = Double(bitPattern: next())
            if value.isFinite { return value }
        }
    }

    /// Any Unicode scalar but a surrogate (those are not scalars).
    mutating func scalar() -> Unicode.Scalar {
        while true {
            let value: UInt32 = switch int(0...3) {
            case 0: UInt32(int(0x00...0x7F))
            case 1: UInt32(int(0x80...0x7FF))
            case 2: UInt32(int(0x800...0xFFFF))
            default: UInt32(int(0x10000...0x10FFFF))
            }
            if let scalar = Unicode.Scalar(value) { return scalar }
        }
    }

    mutating func string(maxLength: Int) -> String {
        var text = ""
        for _ in 0..<int(0...maxLength) {
            if chance(0.3) {
                text += pick(["\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1F}", "é", "🐇", "\u{2028}", "\u{7F}", "\u{FEFF}"])
            } else {
                text.unicodeScalars.append(scalar())
            }
        }
        return text
    }
}
