import Dispatch
import Foundation

/// Stops a command's whole process group: `SIGTERM` now, `SIGKILL` after a grace period for
/// whatever is still alive, so neither the shell nor its children outlive the task.
enum ProcessGroupTerminator {
    /// Sends `SIGTERM` to process group `group`, then `SIGKILL` after `grace` if any member is left.
    static func terminate(group: pid_t, grace: Duration) {
        kill(-group, SIGTERM)
        let milliseconds = Int(grace.components.seconds * 1000 + grace.components.attoseconds / 1_000_000_000_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(milliseconds)) {
            // kill(…, 0) fails with ESRCH once no member of the group is left.
            if kill(-group, 0) == 0 {
                kill(-group, SIGKILL)
            }
        }
    }
}
