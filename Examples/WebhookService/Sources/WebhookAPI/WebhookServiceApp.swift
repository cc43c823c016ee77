import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Warren
import WebhookShared

/// The web service: the HTTP server and the event subscriber under one `ServiceGroup`, stopped
/// gracefully by SIGTERM or SIGINT (the server finishes its requests first, then the subscriber
/// stops), then the connections and the store are closed.
public enum WebhookServiceApp {
    /// Runs the service until it is told to stop.
    public static func run(_ settings: ServiceSettings, logger: Logger) async throws {
        let store = try await JobStore.open(path: settings.databasePath, logger: logger)
        // Publishing and consuming on separate connections: a broker that blocks publishers does
        // not hold up the events.
        let publishing = ReconnectingConnection(
            configuration: .init(endpoints: [settings.amqp], waitLimit: .seconds(5)),
            logger: logger
        )
        let consuming = ReconnectingConnection(
            configuration: .init(endpoints: [settings.amqp], waitLimit: .seconds(5)),
            logger: logger
        )
        let publisher = JobPublisher(connections: publishing, queue: settings.names.taskQueue, logger: logger)
        let subscriber = EventSubscriber(
            connections: consuming, store: store, queue: settings.eventsQueue, names: settings.names, logger: logger
        )
        let router = Router()
        WebhookRoutes(store: store, publisher: publisher, subscriber: subscriber, logger: logger).register(on: router)
        let host = settings.host
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: settings.port), serverName: "webhook-service"),
            onServerRunning: { channel in
                printLine("listening on http://\(host):\(channel.localAddress?.port ?? 0)")
            },
            logger: logger
        )
        // Shut down in reverse order: the server first (no new jobs), then the subscriber. The
        // publisher's service only declares the task queue at start-up, then ends.
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(service: publisher, successTerminationBehavior: .ignore),
                .init(service: subscriber),
                .init(service: app),
            ],
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
            await close(store: store, connections: [publishing, consuming])
            throw error
        }
        await close(store: store, connections: [publishing, consuming])
    }

    private static func close(store: JobStore, connections: [ReconnectingConnection]) async {
        for connection in connections { await connection.shutdown() }
        await store.close()
    }
}
