import Foundation
import Warren

/// A setting from the environment that is not valid; the message names it and says what it takes.
public struct SettingsError: Error, CustomStringConvertible {
    /// What is wrong.
    public var description: String

    /// Creates the error.
    public init(_ description: String) {
        self.description = description
    }
}

/// Reads settings from environment variables (and, for the service, a few flags).
public struct EnvironmentReader: Sendable {
    /// The variables.
    public let environment: [String: String]

    /// A reader over `environment`, by default the process's.
    public init(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The variable's value, or `fallback` when it is unset or blank.
    public func string(_ name: String, default fallback: String) -> String {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            return fallback
        }
        return value
    }

    /// The variable as a whole number within `range`, or `fallback` when it is unset or blank.
    public func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws(SettingsError) -> Int {
        let text = string(name, default: "")
        guard !text.isEmpty else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw SettingsError("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    /// The variable as milliseconds within `range`, or `fallback` when it is unset or blank.
    public func milliseconds(_ name: String, default fallback: Duration, in range: ClosedRange<Int>) throws(SettingsError) -> Duration {
        let text = string(name, default: "")
        guard !text.isEmpty else { return fallback }
        return .milliseconds(try integer(name, default: 0, in: range))
    }

    /// The broker from `AMQP_URL` (default `amqp://guest:guest@127.0.0.1:5672/%2F`).
    public func amqp() throws -> AMQPConnection.Configuration {
        try AMQPConnection.Configuration.fromEnvironment(environment)
    }
}

/// The names the service and the worker must agree on.
public struct SharedNames: Sendable, Hashable {
    /// The task queue (`WEBHOOK_TASK_QUEUE`, default `webhooks`).
    public var taskQueue: String
    /// The topic exchange of the worker's lifecycle events (`WEBHOOK_EVENTS_EXCHANGE`, default
    /// `warren.events`, Warren's default).
    public var eventsExchange: String

    /// The names from the environment.
    public init(_ reader: EnvironmentReader) {
        taskQueue = reader.string("WEBHOOK_TASK_QUEUE", default: "webhooks")
        eventsExchange = reader.string("WEBHOOK_EVENTS_EXCHANGE", default: "warren.events")
    }
}
