import Foundation

/// A task body given on the command line or on standard input, checked to be JSON.
enum JSONBody {
    /// The body from `--body`, or else all of standard input.
    static func read(option: String?) throws -> [UInt8] {
        let bytes: [UInt8]
        if let option {
            bytes = Array(option.utf8)
        } else {
            guard isatty(STDIN_FILENO) == 0 else {
                throw CLIFailure.usage("give the task's JSON body with --body, or pipe it on standard input")
            }
            bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
        }
        try validate(bytes)
        return bytes
    }

    /// Throws when `bytes` is not one JSON value (objects, arrays, strings, numbers, booleans, null).
    static func validate(_ bytes: [UInt8]) throws {
        guard !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else {
            throw CLIFailure.usage("the task body is empty; give a JSON value such as {} or {\"id\": 1}")
        }
        guard (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil else {
            let preview = String(decoding: bytes.prefix(60), as: UTF8.self)
            throw CLIFailure.usage("the task body is not valid JSON: '\(ErrorReport.singleLine(preview))\(bytes.count > 60 ? "…" : "")'")
        }
    }
}
