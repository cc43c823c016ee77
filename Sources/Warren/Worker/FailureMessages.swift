#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import WarrenAMQP

/// Builds the messages a worker publishes when a task fails: the retry copy, sent through the delay
/// exchanges back to its queue, and the dead letter, sent to `Q.dead` with the reason. A pure value.
package struct FailureMessages: Sendable {
    let queue: String
    let topology: Topology

    package init(queue: String, topology: Topology) {
        self.queue = queue
        self.topology = topology
    }

    /// The copy of a failed message for its next attempt, delayed by `delay`.
    package func retry(
        body: [UInt8],
        properties: AMQPProperties,
        messageID: String,
        failedAttempt: Int,
        error: String,
        delay: Duration,
        now: Date
    ) -> AMQPOutboundMessage {
        var properties = copied(properties, messageID: messageID, error: error, now: now)
        properties.headers?[WarrenHeaders.attempt] = .int64(Int64(failedAttempt + 1))
        let units = DelayRouting.units(for: delay)
        let delays = topology.delays
        if units == 0 {
            return AMQPOutboundMessage(body: body, routingKey: queue, mandatory: true, properties: properties)
        }
        return AMQPOutboundMessage(
            body: body,
            exchange: delays.entryExchange(units: units),
            routingKey: delays.routingKey(units: units, queue: queue),
            mandatory: true,
            properties: properties
        )
    }

    /// The copy of a message for the dead-letter queue, with why it died.
    package func deadLetter(
        body: [UInt8],
        properties: AMQPProperties,
        messageID: String,
        attempt: Int,
        reason: DeadLetterReason,
        error: String,
        now: Date
    ) -> AMQPOutboundMessage {
        var properties = copied(properties, messageID: messageID, error: error, now: now)
        properties.headers?[WarrenHeaders.attempt] = .int64(Int64(attempt))
        properties.headers?[WarrenHeaders.deadReason] = .string(reason.rawValue)
        return AMQPOutboundMessage(
            body: body,
            exchange: topology.deadLetterExchange,
            routingKey: queue,
            mandatory: true,
            properties: properties
        )
    }

    /// The message's properties for a copy: persistent, its id kept, no expiration (it would fire in
    /// a delay queue), broker death headers dropped, Warren's failure headers updated.
    private func copied(_ original: AMQPProperties, messageID: String, error: String, now: Date) -> AMQPProperties {
        var properties = original
        properties.deliveryMode = .persistent
        properties.messageID = messageID
        properties.expiration = nil
        var headers = AMQPTable(entries: (original.headers ?? [:]).filter { !WarrenHeaders.brokerDeathHeaders.contains($0.key) })
        let milliseconds = Int64((now.timeIntervalSince1970 * 1000).rounded())
        headers[WarrenHeaders.queue] = .string(queue)
        if headers[WarrenHeaders.firstFailureAt] == nil {
            headers[WarrenHeaders.firstFailureAt] = .int64(milliseconds)
        }
        headers[WarrenHeaders.lastFailureAt] = .int64(milliseconds)
        headers[WarrenHeaders.lastError] = .string(Self.truncated(error))
        properties.headers = headers
        return properties
    }

    /// Error text cut to at most ``WarrenHeaders/maxErrorBytes`` bytes, on a character boundary.
    static func truncated(_ text: String) -> String {
        guard text.utf8.count > WarrenHeaders.maxErrorBytes else { return text }
        var result = ""
        var bytes = 0
        for character in text {
            let size = character.utf8.count
            guard bytes + size <= WarrenHeaders.maxErrorBytes - 3 else { break }
            result.append(character)
            bytes += size
        }
        return result + "…"
    }
}
