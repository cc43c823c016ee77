/// Assembles a message's content on one channel from its frames: a pure state machine.
///
/// A message arrives as a method frame (`basic.deliver`, `basic.get-ok` or `basic.return`), then a
/// content header frame with the properties and the body size, then body frames until that size is
/// reached. AMQP does not interleave contents on one channel, so one assembler per channel suffices.
/// `Method` is whatever the caller needs to remember from the method frame.
struct ContentAssembler<Method> {
    /// A complete message.
    struct Content {
        var method: Method
        var properties: AMQPProperties
        var body: [UInt8]
    }

    private enum State {
        case idle
        case awaitingHeader(Method)
        case awaitingBody(Method, AMQPProperties, expected: Int, body: [UInt8])
    }

    private var state: State = .idle

    /// True while a content is being assembled.
    var isBusy: Bool {
        if case .idle = state { return false }
        return true
    }

    /// Starts a content with the method frame that announces it.
    mutating func start(_ method: Method) throws(AMQPError) {
        guard case .idle = state else {
            state = .idle
            throw AMQPError(.protocolError, "a content method arrived while a message body was still incomplete")
        }
        state = .awaitingHeader(method)
    }

    /// Takes the content header. Returns the content when the body is empty.
    mutating func header(properties: AMQPProperties, bodySize: UInt64) throws(AMQPError) -> Content? {
        guard case .awaitingHeader(let method) = state else {
            state = .idle
            throw AMQPError(.protocolError, "a content header arrived without a content method before it")
        }
        guard bodySize <= UInt64(Int.max) else {
            state = .idle
            throw AMQPError(.protocolError, "a content header announced a body of \(bodySize) bytes")
        }
        if bodySize == 0 {
            state = .idle
            return Content(method: method, properties: properties, body: [])
        }
        var body: [UInt8] = []
        body.reserveCapacity(Int(bodySize))
        state = .awaitingBody(method, properties, expected: Int(bodySize), body: body)
        return nil
    }

    /// Takes one body frame. Returns the content once the announced size is reached.
    mutating func body(_ fragment: UnsafeRawBufferPointer) throws(AMQPError) -> Content? {
        guard case .awaitingBody(let method, let properties, let expected, var body) = state else {
            state = .idle
            throw AMQPError(.protocolError, "a body frame arrived without a content header before it")
        }
        state = .idle  // drop our reference so `body` is uniquely owned while we append
        guard body.count + fragment.count <= expected else {
            throw AMQPError(
                .protocolError,
                "body frames carried \(body.count + fragment.count) bytes; the header announced \(expected)"
            )
        }
        body.append(contentsOf: fragment)
        if body.count == expected {
            return Content(method: method, properties: properties, body: body)
        }
        state = .awaitingBody(method, properties, expected: expected, body: body)
        return nil
    }

    /// Forgets a partial content (the channel closed).
    mutating func reset() {
        state = .idle
    }
}
