import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Warren
import WebhookShared

/// The web service: the HTTP server, the event subscriber and the Warren client under one
/// `ServiceGroup`, stopped gracefully by SIGTERM or SIGINT (the server finishes its requests first,
/// then the subscriber stops, then the client closes once its enqueues are confirmed), then the store
/// is closed.
public enum WebhookServiceApp {
    /// Runs the service until it is told to stop.
    public static func run(_ settings: ServiceSettings, logger: Logger) async throws {
        let store = try await JobStore.open(path: settings.databasePath, logger: logger)
        // Publishing (the client's connection) and consuming events on separate connections: a broker
        // that blocks publishers does not hold up the events. Every wait is bounded by 5 s, so a
        // request never hangs for long when the broker is away.
        let taskQueue = TaskQueue(settings.names.taskQueue)
        let warren = WarrenClient(
            configuration: .init(
                amqp: settings.amqp,
                connectionWaitLimit: .seconds(5),
                queues: [taskQueue],
                producer: .init(appID: "webhook-service", retryLimit: .seconds(5), blockedLimit: .seconds(5))
            ),
            logger: logger
        )
        let consuming = ReconnectingConnection(
            configuration: .init(endpoints: [settings.amqp], waitLimit: .seconds(5)),
            logger: logger
        )
        let subscriber = EventSubscriber(
            connections: consuming, store: store, queue: settings.eventsQueue, names: settings.names, logger: logger
        )
        let router = Router()
        WebhookRoutes(store: store, warren: warren, taskQueue: taskQueue, subscriber: subscriber, logger: logger).register(on: router)
        let host = settings.host
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: settings.port), serverName: "webhook-service"),
            onServerRunning: { channel in
                printLine("listening on http://\(host):\(channel.localAddress?.port ?? 0)")
            },
            logger: logger
        )
        // Shut down in reverse order: the server first (no new jobs), then the subscriber, then the
        // client (after the enqueues under way are confirmed).
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: warren), .init(service: subscriber), .init(service: app)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        // Bounded: a shutdown that takes longer than this is turned into cancellation.
        configuration.maximumGracefulShutdownDuration = .seconds(15)
        configuration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: configuration)
        defer { logger.info("stopped") }
        do {
            try await group.run()
            logger.debug("services stopped; closing connections and the store")
        } catch {
            await close(store: store, connections: [consuming])
            throw error
        }
        await close(store: store, connections: [consuming])
    }

    private static func close(store: JobStore, connections: [ReconnectingConnection]) async {
        for connection in connections { await connection.shutdown() }
        await store.close()
    }
}
