@_exported import WarrenAMQP

/// The Warren task layer: typed tasks, a producer and a worker runtime on top of `WarrenAMQP`.
///
/// This module is filled in by the task-layer work; today it re-exports the AMQP client.
public enum Warren {
    /// The version of the Warren library.
    public static let version = "0.1.0"
}
