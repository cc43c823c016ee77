import CRabbitMQ

/// Which rabbitmq-c WarrenAMQP was compiled against, and which one this process loaded.
///
/// Every rabbitmq-c release from 0.11 to 0.18 has the same soname (`librabbitmq.so.4`), so a binary
/// built against one version's headers runs with whichever library the dynamic linker finds first,
/// without a word. Compare ``loadedVersion`` with ``headerVersion`` where that matters (a startup
/// check, a test): their major and minor numbers should agree. `warren version` prints the loaded
/// version, and every connection logs it at debug level when it opens.
///
/// ```swift
/// logger.info("rabbitmq-c \(RabbitMQC.loadedVersion) (built with \(RabbitMQC.headerVersion))")
/// ```
public enum RabbitMQC {
    /// The version of the rabbitmq-c library loaded in this process, as the library itself reports
    /// it (`amqp_version()`), for example `"0.11.0"`. A development build of rabbitmq-c appends
    /// `"-pre"`.
    public static let loadedVersion = String(cString: amqp_version())

    /// The rabbitmq-c version whose headers WarrenAMQP was compiled against (`AMQP_VERSION_STRING`),
    /// in the same form as ``loadedVersion``, for example `"0.11.0"`.
    public static let headerVersion = String(cString: warren_header_version())

    /// Whether an `amqps://` connection without a CA file can verify the broker against the system
    /// CA store (OpenSSL's default locations): true when WarrenAMQP was compiled against rabbitmq-c
    /// 0.14 or later (which added `amqp_ssl_socket_enable_default_verify_paths`) and the loaded
    /// library is 0.14 or later too. When false, such a connection fails with
    /// ``AMQPError/Code/invalidArgument`` asking for a CA file
    /// (``AMQPConnection/Configuration/TLSOptions/caCertificatePath``).
    public static let supportsSystemCAStore = warren_system_ca_store_available() != 0
}
