import Foundation
import Logging
import Warren
@_exported import WarrenTestSupport

/// Broker ports the fault tests use, one per test, so that they never collide:
/// 5683 broker restart, 5684/5685 TLS (plain/TLS), 5686 memory alarm, 5687 worker kill,
/// 5691–5693 the cluster. The proxy tests use the shared broker behind a proxy of their own.
enum FaultPorts {
    static let restart = 5683
    static let tlsPlain = 5684
    static let tls = 5685
    static let alarm = 5686
    static let workerKill = 5687
    static let cluster = [5691, 5692, 5693]
}

/// A logger for fault tests: warnings and above, so a run shows losses and recoveries.
func faultLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}
