/// An AMQP decimal field value: an unsigned integer ``value`` divided by ten to the power ``scale``.
///
/// `AMQPDecimal(scale: 2, value: 1234)` stands for 12.34. The representation is kept exactly as it
/// travels on the wire, so `AMQPDecimal(scale: 1, value: 10)` and `AMQPDecimal(scale: 0, value: 1)`
/// are different values even though they denote the same number.
public struct AMQPDecimal: Sendable, Hashable, CustomStringConvertible {
    /// The number of decimal digits after the decimal point.
    public var scale: UInt8
    /// The unscaled integer value.
    public var value: UInt32

    /// Creates a decimal from its scale and unscaled value.
    public init(scale: UInt8, value: UInt32) {
        self.scale = scale
        self.value = value
    }

    /// The decimal as a `Double` (may lose precision for large scales).
    public var doubleValue: Double {
        var result = Double(value)
        var remaining = scale
        while remaining > 0 {
            result /= 10
            remaining -= 1
        }
        return result
    }

    /// The decimal written out with ``scale`` digits after the point, e.g. `12.34`.
    public var description: String {
        let digits = String(value)
        guard scale > 0 else { return digits }
        let scaleCount = Int(scale)
        let padded = digits.count <= scaleCount
            ? String(repeating: "0", count: scaleCount - digits.count + 1) + digits
            : digits
        let split = padded.index(padded.endIndex, offsetBy: -scaleCount)
        return String(padded[..<split]) + "." + String(padded[split...])
    }
}
