import Foundation

/// Looks at processes through /proc (Linux): which are still alive, zombies not counted (the
/// container's init may never reap what a killed worker left behind).
enum ProcessTable {
    /// The living (not zombie) processes whose process group is `group`.
    static func livingMembers(ofGroup group: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap(Int32.init).filter { pid in
            guard let (state, processGroup) = stat(pid) else { return false }
            return processGroup == group && state != "Z" && state != "X"
        }
    }

    /// Whether `pid` is alive (not a zombie).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let (state, _) = stat(pid) else { return false }
        return state != "Z" && state != "X"
    }

    /// The state letter and process group of `pid` from /proc/PID/stat.
    private static func stat(_ pid: Int32) -> (Character, Int32)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // After "pid (comm) ": state ppid pgrp …
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count >= 3, let state = fields[0].first, let group = Int32(fields[2]) else { return nil }
        return (state, group)
    }
}
