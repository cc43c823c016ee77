// swift-tools-version:6.1
// The "202 Accepted now, work later" tutorial done durably: a Hummingbird web service that keeps
// jobs in SQLite and enqueues them with Warren, and a Warren worker that delivers the webhooks.
// A package of its own, so that the Warren package itself never builds Hummingbird.
import PackageDescription

let package = Package(
    name: "WebhookService",
    platforms: [.macOS(.v15)],
    products: [
        /// The HTTP front: validates, stores, enqueues, answers 202; reports job status.
        .executable(name: "webhook-service", targets: ["webhook-service"]),
        /// The worker that POSTs the webhooks to their targets.
        .executable(name: "webhook-worker", targets: ["webhook-worker"]),
    ],
    dependencies: [
        // The root package (its directory name, and so its identity, varies between clones).
        .package(name: "Warren", path: "../.."),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        /// What the service and the worker share: the task, JSON values, settings from the environment.
        .target(
            name: "WebhookShared",
            dependencies: [
                .product(name: "Warren", package: "Warren"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        /// The web service's parts: validation, the SQLite job store, routes, publisher, event subscriber.
        .target(
            name: "WebhookAPI",
            dependencies: [
                "WebhookShared",
                .product(name: "Warren", package: "Warren"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "webhook-service",
            dependencies: [
                "WebhookAPI",
                "WebhookShared",
                .product(name: "Warren", package: "Warren"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        /// The worker's part: POSTing a webhook with a time limit and judging the answer.
        .target(
            name: "WebhookDelivery",
            dependencies: [
                "WebhookShared",
                .product(name: "Warren", package: "Warren"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "webhook-worker",
            dependencies: [
                "WebhookDelivery",
                "WebhookShared",
                .product(name: "Warren", package: "Warren"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "WebhookServiceTests",
            dependencies: [
                "WebhookAPI",
                "WebhookDelivery",
                "WebhookShared",
                // Depending on the executables makes `swift test` build them; the tests run them.
                "webhook-service",
                "webhook-worker",
                .product(name: "Warren", package: "Warren"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
