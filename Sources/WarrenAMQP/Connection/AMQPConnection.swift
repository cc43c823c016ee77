/// A connection to a RabbitMQ broker. (Being written.)
public final class AMQPConnection: Sendable {}
