@testable import Warren
import Testing

@Suite("Delay routing")
struct DelayRoutingTests {
    let routing = DelayRouting()

    @Test("delays round to 100 ms units, at least one unit, at most the longest delay")
    func units() {
        #expect(DelayRouting.units(for: .zero) == 0)
        #expect(DelayRouting.units(for: .milliseconds(-5)) == 0)
        #expect(DelayRouting.units(for: .milliseconds(1)) == 1)
        #expect(DelayRouting.units(for: .milliseconds(149)) == 1)
        #expect(DelayRouting.units(for: .milliseconds(150)) == 2)
        #expect(DelayRouting.units(for: .seconds(2.5)) == 25)
        #expect(DelayRouting.units(for: .seconds(3600)) == 36_000)
        #expect(DelayRouting.units(for: .seconds(1_000_000_000)) == (1 << 26) - 1)
    }

    @Test("the routing key spells the delay in binary, most significant bit first, then the queue")
    func routingKey() {
        let key = routing.routingKey(units: 25, queue: "emails")
        let words = key.split(separator: ".")
        #expect(words.count == DelayRouting.levels + 1)
        #expect(words.last == "emails")
        #expect(words.dropLast().joined() == String(repeating: "0", count: 21) + "11001")
        // Queue names with dots stay whole at the end.
        #expect(routing.routingKey(units: 1, queue: "a.b").hasSuffix(".1.a.b"))
    }

    @Test("a delayed message enters at the level of its highest set bit")
    func entryExchange() {
        #expect(routing.entryExchange(units: 1) == "warren.delay.0")
        #expect(routing.entryExchange(units: 25) == "warren.delay.4")
        #expect(routing.entryExchange(units: (1 << 26) - 1) == "warren.delay.25")
        #expect(routing.entryExchange(units: 0) == "warren.delay.deliver")
    }

    @Test("bit patterns select one word position; levels wait 100 ms × 2^level")
    func patternsAndTTLs() {
        #expect(routing.bitPattern(level: 25, value: true) == "1.#")
        #expect(routing.bitPattern(level: 0, value: false) == String(repeating: "*.", count: 25) + "0.#")
        #expect(routing.deliveryPattern(queue: "q") == String(repeating: "*.", count: 26) + "q")
        #expect(routing.levelTTLMilliseconds(0) == 100)
        #expect(routing.levelTTLMilliseconds(10) == 102_400)
        #expect(routing.levelTTLMilliseconds(25) == 3_355_443_200)
        // Erlang timers take at most 2^32 - 1 ms: the longest level must stay below.
        #expect(routing.levelTTLMilliseconds(DelayRouting.levels - 1) < Int64(UInt32.max))
        #expect(routing.nextExchange(after: 0) == "warren.delay.deliver")
        #expect(routing.nextExchange(after: 3) == "warren.delay.2")
    }

    @Test("the time a message waits is the sum of the levels of its set bits")
    func waitsAddUp() {
        for units: UInt64 in [1, 2, 3, 10, 25, 1000, 36_000] {
            var waited: Int64 = 0
            for level in 0..<DelayRouting.levels where (units >> UInt64(level)) & 1 == 1 {
                waited += routing.levelTTLMilliseconds(level)
            }
            #expect(waited == Int64(units) * 100)
        }
    }
}
