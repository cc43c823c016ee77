// swift-tools-version:6.2
// 6.2: swift-log 1.16.2, swift-metrics 2.13.0 and swift-service-lifecycle 2.13.0 (the minimums below) declare
// swift-tools-version 6.2 themselves, so an older toolchain could not resolve this package anyway.
import PackageDescription

let package = Package(
    name: "Warren",
    platforms: [.macOS(.v15)],
    products: [
        /// The AMQP 0-9-1 client over rabbitmq-c.
        .library(name: "WarrenAMQP", targets: ["WarrenAMQP"]),
        /// The task layer: typed producer, worker runtime, retries and dead letters.
        .library(name: "Warren", targets: ["Warren"]),
        /// An in-memory task queue for testing handlers without RabbitMQ.
        .library(name: "WarrenTesting", targets: ["WarrenTesting"]),
        /// The command-line tool.
        .executable(name: "warren", targets: ["warren"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        // The `warren` tool's metrics endpoint only; no library product depends on these.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // A command plugin only (`swift package generate-documentation`, scripts/docs.sh): nothing of it
        // is linked into a product.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"]), .brew(["rabbitmq-c"])]
        ),
        .target(
            name: "WarrenAMQP",
            dependencies: [
                "CRabbitMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "Warren",
            dependencies: [
                "WarrenAMQP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .target(
            name: "WarrenTesting",
            dependencies: [
                "Warren",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "warren",
            dependencies: [
                "Warren",
                "WarrenAMQP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "WarrenBenchmarks",
            dependencies: [
                "Warren",
                "WarrenAMQP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/Swift"
        ),
        .target(
            name: "ExampleTasks",
            dependencies: ["Warren"],
            path: "Examples/SwiftTasks/ExampleTasks"
        ),
        .executableTarget(
            name: "ExampleWorker",
            dependencies: [
                "ExampleTasks",
                "Warren",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/SwiftTasks/ExampleWorker"
        ),
        .executableTarget(
            name: "ExampleProducer",
            dependencies: ["ExampleTasks", "Warren"],
            path: "Examples/SwiftTasks/ExampleProducer"
        ),
        .target(
            name: "WarrenTestSupport",
            path: "Tests/WarrenTestSupport"
        ),
        .testTarget(
            name: "WarrenAMQPTests",
            dependencies: ["WarrenAMQP", "CRabbitMQ", "WarrenTestSupport"]
        ),
        .testTarget(
            name: "WarrenAMQPIntegrationTests",
            dependencies: ["WarrenAMQP", "CRabbitMQ", "WarrenTestSupport"]
        ),
        .testTarget(
            name: "ExamplesTests",
            dependencies: ["Warren", "ExampleWorker", "ExampleProducer", "WarrenTestSupport"]
        ),
        .testTarget(
            name: "WarrenCLITests",
            // Depending on the executable makes SwiftPM build `warren` before the tests, which run it.
            dependencies: ["Warren", "warren"]
        ),
        .testTarget(
            name: "WarrenFaultTests",
            dependencies: [
                "Warren",
                "WarrenTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "WarrenTests",
            dependencies: [
                "Warren",
                "WarrenTestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "WarrenTestingTests",
            dependencies: ["Warren", "WarrenTesting"]
        ),
        .testTarget(
            name: "WarrenIntegrationTests",
            dependencies: [
                "Warren",
                "WarrenTestSupport",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)
