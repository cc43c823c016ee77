import Testing

/// The end-to-end tests: the built `webhook-service` and `webhook-worker` as processes, the test's
/// own target server, a real broker. Serialized, every nested suite included: each test starts its
/// own processes, and the timing checks want the machine to themselves.
@Suite("End to end", .serialized)
enum EndToEnd {}
