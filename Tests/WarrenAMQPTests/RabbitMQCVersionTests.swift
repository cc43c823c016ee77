import CRabbitMQ
import Foundation
import Testing
import WarrenAMQP

/// The rabbitmq-c this test binary loaded is the one it was compiled against.
///
/// Every rabbitmq-c from 0.11 to 0.18 has the soname `librabbitmq.so.4`: a build against another
/// version's headers runs with the system's library unless the run-time search path says otherwise,
/// and then a green suite proves nothing about the version it was meant for. Set
/// `WARREN_EXPECT_RABBITMQ_C` (for example `0.18.1`) to require exactly that version on both sides.
@Suite("rabbitmq-c version")
struct RabbitMQCVersionTests {
    @Test("the loaded rabbitmq-c is the one the headers announced (exactly WARREN_EXPECT_RABBITMQ_C when set)")
    func loadedMatchesHeaders() throws {
        let loaded = RabbitMQC.loadedVersion
        let header = RabbitMQC.headerVersion
        print("rabbitmq-c loaded \(loaded), headers \(header)")
        if let expected = ProcessInfo.processInfo.environment["WARREN_EXPECT_RABBITMQ_C"], !expected.isEmpty {
            #expect(loaded == expected, "loaded rabbitmq-c \(loaded), WARREN_EXPECT_RABBITMQ_C=\(expected)")
            #expect(header == expected, "compiled against rabbitmq-c \(header), WARREN_EXPECT_RABBITMQ_C=\(expected)")
        } else {
            let loadedRelease = try #require(majorMinor(loaded), "loaded version '\(loaded)'")
            let headerRelease = try #require(majorMinor(header), "header version '\(header)'")
            #expect(
                loadedRelease == headerRelease,
                "compiled against rabbitmq-c \(header) but loaded \(loaded): point the run-time search path (rpath or LD_LIBRARY_PATH) at the library that goes with the headers"
            )
        }
    }

    @Test("the header version string agrees with the packed AMQP_VERSION, and the loaded one with amqp_version_number()")
    func stringsMatchNumbers() throws {
        #expect(try #require(majorMinorPatch(RabbitMQC.headerVersion)) == unpacked(warren_header_version_number()))
        #expect(try #require(majorMinorPatch(RabbitMQC.loadedVersion)) == unpacked(amqp_version_number()))
    }

    @Test("supportsSystemCAStore: exactly when both the headers and the loaded library are 0.14 or later")
    func systemCAStore() throws {
        let header = try #require(majorMinor(RabbitMQC.headerVersion))
        let loaded = try #require(majorMinor(RabbitMQC.loadedVersion))
        let bothNewEnough = header.lexicographicallyPrecedes([0, 14]) == false
            && loaded.lexicographicallyPrecedes([0, 14]) == false
        #expect(RabbitMQC.supportsSystemCAStore == bothNewEnough, "headers \(header), loaded \(loaded)")
        // The sentinel is never one of rabbitmq-c's own status codes (0 or negative).
        #expect(WARREN_SYSTEM_CA_STORE_UNAVAILABLE > 0)
    }

    /// `[major, minor]` of a version string such as `0.11.0` or `0.14.0-pre`; nil when it has no such form.
    private func majorMinor(_ version: String) -> [Int]? {
        majorMinorPatch(version).map { Array($0.prefix(2)) }
    }

    /// `[major, minor, patch]` of a version string such as `0.11.0` or `0.14.0-pre`.
    private func majorMinorPatch(_ version: String) -> [Int]? {
        let release = version.split(separator: "-", maxSplits: 1).first ?? ""
        let numbers = release.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard numbers.count == 3, numbers.allSatisfy({ $0 != nil }) else { return nil }
        return numbers.compactMap { $0 }
    }

    /// `[major, minor, patch]` of a packed rabbitmq-c version (one byte each, then the release flag).
    private func unpacked(_ packed: UInt32) -> [Int] {
        [Int(packed >> 24), Int((packed >> 16) & 0xFF), Int((packed >> 8) & 0xFF)]
    }
}
