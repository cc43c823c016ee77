import Testing
@testable import WarrenAMQP

@Suite("ChannelNumberAllocator")
struct ChannelNumberAllocatorTests {
    @Test("allocates 1 through the maximum, then nil", arguments: [1, 2, 5, 64] as [UInt16])
    func allocatesUpToMaximum(maximum: UInt16) {
        var allocator = ChannelNumberAllocator(maximum: maximum)
        var numbers: [UInt16] = []
        while let number = allocator.allocate() {
            numbers.append(number)
            if numbers.count > Int(maximum) { break }  // guards against a broken allocator looping
        }
        #expect(numbers == Array(1...maximum))
        #expect(allocator.count == Int(maximum))
        #expect(allocator.allocate() == nil)
    }

    @Test("the full 16-bit range can be allocated without reaching channel 0")
    func fullRange() {
        var allocator = ChannelNumberAllocator(maximum: .max)
        var seen = Set<UInt16>()
        while let number = allocator.allocate() {
            seen.insert(number)
            if seen.count > Int(UInt16.max) { break }
        }
        #expect(seen.count == Int(UInt16.max))
        #expect(!seen.contains(0))
        #expect(allocator.allocate() == nil)
    }

    @Test("a released number is not reused while other numbers are free")
    func roundRobin() {
        var allocator = ChannelNumberAllocator(maximum: 4)
        #expect(allocator.allocate() == 1)
        allocator.release(1)
        // 1 is free again, but 2, 3 and 4 have not been used yet.
        #expect(allocator.allocate() == 2)
        #expect(allocator.allocate() == 3)
        allocator.release(2)
        #expect(allocator.allocate() == 4)
        // Wrapping around: 1 is the next free number after 4, then 2.
        #expect(allocator.allocate() == 1)
        #expect(allocator.allocate() == 2)
        #expect(allocator.allocate() == nil)
        #expect(allocator.count == 4)
    }

    @Test("allocation continues after the last number handed out, skipping numbers in use")
    func skipsNumbersInUse() {
        var allocator = ChannelNumberAllocator(maximum: 5)
        for _ in 1...5 { _ = allocator.allocate() }
        allocator.release(4)
        allocator.release(2)
        // The last number handed out was 5: the search wraps to 1 (in use), then 2.
        #expect(allocator.allocate() == 2)
        #expect(allocator.allocate() == 4)
        #expect(allocator.allocate() == nil)
    }

    @Test("a released number is reused when it is the only free one")
    func reuseWhenOnlyFree() {
        var allocator = ChannelNumberAllocator(maximum: 3)
        for _ in 1...3 { _ = allocator.allocate() }
        allocator.release(2)
        #expect(allocator.count == 2)
        #expect(allocator.allocate() == 2)
        #expect(allocator.allocate() == nil)
        allocator.release(3)
        #expect(allocator.allocate() == 3)
    }

    @Test("with a maximum of 1 the same number is handed out again after its release")
    func singleChannel() {
        var allocator = ChannelNumberAllocator(maximum: 1)
        #expect(allocator.allocate() == 1)
        #expect(allocator.allocate() == nil)
        allocator.release(1)
        #expect(allocator.allocate() == 1)
    }

    @Test("a maximum of 0 behaves as 1")
    func zeroMaximum() {
        var allocator = ChannelNumberAllocator(maximum: 0)
        #expect(allocator.maximum == 1)
        #expect(allocator.allocate() == 1)
        #expect(allocator.allocate() == nil)
        allocator.release(1)
        #expect(allocator.allocate() == 1)
    }

    @Test("releasing a number that is not in use changes nothing")
    func releaseUnknown() {
        var allocator = ChannelNumberAllocator(maximum: 2)
        allocator.release(1)
        allocator.release(9)
        #expect(allocator.count == 0)
        #expect(allocator.allocate() == 1)
        allocator.release(2)
        #expect(allocator.count == 1)
        #expect(allocator.allocate() == 2)
        #expect(allocator.allocate() == nil)
    }
}
