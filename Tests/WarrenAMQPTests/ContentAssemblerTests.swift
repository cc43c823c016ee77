import Testing
@testable import WarrenAMQP

/// The assembler with a plain string standing in for the method frame.
private typealias Assembler = ContentAssembler<String>

private let jsonProperties = AMQPProperties(contentType: "application/json", messageID: "m-1")

/// Feeds `bytes` to the assembler as one body frame.
private func feed(_ assembler: inout Assembler, _ bytes: [UInt8]) throws(AMQPError) -> Assembler.Content? {
    let result = bytes.withUnsafeBytes { buffer in
        Result { () throws(AMQPError) in try assembler.body(buffer) }
    }
    return try result.get()
}

/// Expects `body` to throw an `AMQPError` with code `.protocolError`.
private func expectProtocolError(
    _ body: () throws(AMQPError) -> Void,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        try body()
        Issue.record("expected a protocol error, nothing was thrown", sourceLocation: sourceLocation)
    } catch {
        #expect(error.code == .protocolError, sourceLocation: sourceLocation)
    }
}

@Suite("ContentAssembler")
struct ContentAssemblerTests {
    @Test("a new assembler is idle")
    func startsIdle() {
        let assembler = Assembler()
        #expect(!assembler.isBusy)
    }

    @Test("an empty body completes at the header")
    func emptyBody() throws {
        var assembler = Assembler()
        try assembler.start("deliver 1")
        #expect(assembler.isBusy)
        let content = try #require(try assembler.header(properties: jsonProperties, bodySize: 0))
        #expect(content.method == "deliver 1")
        #expect(content.properties == jsonProperties)
        #expect(content.body.isEmpty)
        #expect(!assembler.isBusy)
    }

    @Test("a body in one frame completes at that frame")
    func bodyInOneFrame() throws {
        var assembler = Assembler()
        try assembler.start("deliver 1")
        #expect(try assembler.header(properties: jsonProperties, bodySize: 5) == nil)
        #expect(assembler.isBusy)
        let content = try #require(try feed(&assembler, Array("hello".utf8)))
        #expect(content.method == "deliver 1")
        #expect(content.properties == jsonProperties)
        #expect(content.body == Array("hello".utf8))
        #expect(!assembler.isBusy)
    }

    @Test("a body in several frames is concatenated in order and completes at the last byte")
    func bodyInSeveralFrames() throws {
        var assembler = Assembler()
        let body = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try assembler.start("get-ok")
        #expect(try assembler.header(properties: AMQPProperties(), bodySize: UInt64(body.count)) == nil)
        var fed = 0
        for size in [1, 0, 300, 250, 448] {
            let result = try feed(&assembler, Array(body[fed..<fed + size]))
            fed += size
            #expect(result == nil, "completed after \(fed) of \(body.count) bytes")
            #expect(assembler.isBusy)
        }
        let content = try #require(try feed(&assembler, Array(body[fed...])))
        #expect(content.method == "get-ok")
        #expect(content.body == body)
        #expect(!assembler.isBusy)
    }

    @Test("consecutive messages are assembled independently")
    func consecutiveMessages() throws {
        var assembler = Assembler()
        try assembler.start("first")
        _ = try assembler.header(properties: jsonProperties, bodySize: 3)
        let first = try #require(try feed(&assembler, [1, 2, 3]))
        try assembler.start("second")
        _ = try assembler.header(properties: AMQPProperties(), bodySize: 2)
        let second = try #require(try feed(&assembler, [9, 8]))
        #expect(first.method == "first")
        #expect(first.body == [1, 2, 3])
        #expect(second.method == "second")
        #expect(second.properties == AMQPProperties())
        #expect(second.body == [9, 8])
    }

    @Test("a body frame with more bytes than announced is a protocol error")
    func overflowInOneFrame() throws {
        var assembler = Assembler()
        try assembler.start("deliver")
        _ = try assembler.header(properties: AMQPProperties(), bodySize: 4)
        expectProtocolError { () throws(AMQPError) in _ = try feed(&assembler, [1, 2, 3, 4, 5]) }
        #expect(!assembler.isBusy)
    }

    @Test("body frames adding up to more than announced are a protocol error")
    func overflowAcrossFrames() throws {
        var assembler = Assembler()
        try assembler.start("deliver")
        _ = try assembler.header(properties: AMQPProperties(), bodySize: 4)
        #expect(try feed(&assembler, [1, 2, 3]) == nil)
        expectProtocolError { () throws(AMQPError) in _ = try feed(&assembler, [4, 5]) }
        #expect(!assembler.isBusy)
    }

    @Test("a content header without a content method before it is a protocol error")
    func headerWithoutMethod() {
        var assembler = Assembler()
        expectProtocolError { () throws(AMQPError) in
            _ = try assembler.header(properties: AMQPProperties(), bodySize: 1)
        }
        #expect(!assembler.isBusy)
    }

    @Test("a second content header is a protocol error")
    func headerTwice() throws {
        var assembler = Assembler()
        try assembler.start("deliver")
        _ = try assembler.header(properties: AMQPProperties(), bodySize: 3)
        expectProtocolError { () throws(AMQPError) in
            _ = try assembler.header(properties: AMQPProperties(), bodySize: 3)
        }
        #expect(!assembler.isBusy)
    }

    @Test("a body frame without a content header is a protocol error")
    func bodyWithoutHeader() throws {
        var idle = Assembler()
        expectProtocolError { () throws(AMQPError) in _ = try feed(&idle, [1]) }
        #expect(!idle.isBusy)

        // A method frame alone is not enough: the header must come first.
        var afterMethod = Assembler()
        try afterMethod.start("deliver")
        expectProtocolError { () throws(AMQPError) in _ = try feed(&afterMethod, [1]) }
        #expect(!afterMethod.isBusy)
    }

    @Test("a content method while another content is incomplete is a protocol error")
    func startWhileBusy() throws {
        var awaitingHeader = Assembler()
        try awaitingHeader.start("first")
        expectProtocolError { () throws(AMQPError) in try awaitingHeader.start("second") }
        #expect(!awaitingHeader.isBusy)

        var awaitingBody = Assembler()
        try awaitingBody.start("first")
        _ = try awaitingBody.header(properties: AMQPProperties(), bodySize: 10)
        _ = try feed(&awaitingBody, [1, 2, 3])
        expectProtocolError { () throws(AMQPError) in try awaitingBody.start("second") }
        #expect(!awaitingBody.isBusy)
    }

    @Test("reset forgets a partial content")
    func reset() throws {
        var assembler = Assembler()
        try assembler.start("old")
        _ = try assembler.header(properties: jsonProperties, bodySize: 10)
        _ = try feed(&assembler, [1, 2, 3])
        assembler.reset()
        #expect(!assembler.isBusy)
        // The old partial body is gone: a body frame now has no header to belong to.
        expectProtocolError { () throws(AMQPError) in _ = try feed(&assembler, [4]) }

        try assembler.start("new")
        _ = try assembler.header(properties: AMQPProperties(), bodySize: 2)
        let content = try #require(try feed(&assembler, [7, 8]))
        #expect(content.method == "new")
        #expect(content.properties == AMQPProperties())
        #expect(content.body == [7, 8])
    }

    @Test("after an error the assembler is idle and assembles the next message normally")
    func usableAfterError() throws {
        var assembler = Assembler()
        try assembler.start("broken")
        _ = try assembler.header(properties: jsonProperties, bodySize: 2)
        expectProtocolError { () throws(AMQPError) in _ = try feed(&assembler, [1, 2, 3]) }
        #expect(!assembler.isBusy)

        try assembler.start("next")
        #expect(try assembler.header(properties: AMQPProperties(), bodySize: 3) == nil)
        #expect(try feed(&assembler, [4]) == nil)
        let content = try #require(try feed(&assembler, [5, 6]))
        #expect(content.method == "next")
        #expect(content.properties == AMQPProperties())
        #expect(content.body == [4, 5, 6])
    }
}
