import ArgumentParser
import Foundation
import Warren
import WarrenAMQP

/// Turns any error into the single line the tool prints on standard error.
enum ErrorReport {
    /// One line describing `error`, without a Swift type dump or a password.
    static func line(for error: any Error) -> String {
        let text: String
        switch error {
        case let failure as CLIFailure:
            text = failure.message
        case let amqp as AMQPError:
            text = describe(amqp)
        case let warren as WarrenError:
            // The message already says what the broker said; add its reply where it does not.
            let reply = warren.amqpError?.replyText.flatMap { warren.message.contains($0) ? nil : $0 }
            text = reply.map { "\(warren.message) (\($0))" } ?? warren.message
        case let validation as ValidationError:
            text = validation.message
        case let decoding as DecodingError:
            text = "unexpected data: \(decoding.localizedDescription)"
        default:
            text = String(describing: error)
        }
        return singleLine(text)
    }

    /// The exit status for `error`: 64 for bad input, 1 otherwise.
    static func exitCode(for error: any Error) -> Int32 {
        switch error {
        case let failure as CLIFailure: failure.exitCode
        case let amqp as AMQPError where amqp.code == .invalidArgument: 64
        case let warren as WarrenError where [.invalidArgument, .encodingFailed].contains(warren.code): 64
        case is ValidationError: 64
        default: 1
        }
    }

    private static func describe(_ error: AMQPError) -> String {
        var text: String
        switch error.code {
        case .connectionFailed: text = "cannot connect to the broker: \(error.message)"
        case .authenticationFailed: text = "the broker refused the login: \(error.message)"
        case .virtualHostNotAccessible: text = "the broker refused the virtual host: \(error.message)"
        case .connectionLost, .connectionClosed: text = "lost the connection to the broker: \(error.message)"
        case .unroutable: text = "the broker could not route the message: \(error.message)"
        default: text = error.message
        }
        if let reply = error.replyText, !text.contains(reply) {
            text += " (\(reply))"
        }
        return text
    }

    /// Collapses newlines and runs of whitespace so the text fits on one line.
    static func singleLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}
