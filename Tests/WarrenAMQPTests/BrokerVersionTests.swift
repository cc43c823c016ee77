import Testing
import WarrenAMQP

@Suite("Broker version")
struct BrokerVersionTests {
    @Test("RabbitMQ's version strings parse; anything else does not", arguments: [
        ("3.10.8", "3.10.8"), ("4.0.5", "4.0.5"), ("4.3.6", "4.3.6"), ("4.1.0-rc.1", "4.1.0-rc.1"),
        ("4.0.5+2.g1a2b3c4", "4.0.5+2.g1a2b3c4"), ("3.13", "3.13.0"),
    ])
    func parses(text: String, expected: String) throws {
        let version = try #require(BrokerVersion(text))
        #expect(version.description == expected)
    }

    @Test("not a version", arguments: ["", "4", "x.1.2", ".1.2", "4..1", "v4.0.5"])
    func refuses(text: String) {
        #expect(BrokerVersion(text) == nil, "\(text)")
    }

    @Test("ordering uses the numbers only")
    func ordering() throws {
        #expect(BrokerVersion(3, 10, 8) < BrokerVersion(3, 12, 0))
        #expect(BrokerVersion(3, 13, 7) < BrokerVersion(4, 0, 0))
        #expect(BrokerVersion(4, 0, 5) < BrokerVersion(4, 0, 10))
        #expect(!(try #require(BrokerVersion("4.1.0-rc.1")) < BrokerVersion(4, 1, 0)))
    }

    @Test("read from server properties as a long string or as bytes")
    func fromServerProperties() {
        #expect(BrokerVersion(serverProperties: ["version": "4.3.6", "product": "RabbitMQ"]) == BrokerVersion(4, 3, 6))
        #expect(BrokerVersion(serverProperties: ["version": .bytes(Array("3.10.8".utf8))]) == BrokerVersion(3, 10, 8))
        #expect(BrokerVersion(serverProperties: ["product": "RabbitMQ"]) == nil)
    }

    @Test("features switch at the versions measured")
    func features() {
        let v310 = BrokerVersion(3, 10, 8), v312 = BrokerVersion(3, 12, 0), v40 = BrokerVersion(4, 0, 5)
        let v43 = BrokerVersion(4, 3, 6)
        #expect(!v310.supportsConsumerTimeoutArgument && v312.supportsConsumerTimeoutArgument)
        #expect(v43.supportsConsumerTimeoutArgument)
        #expect(!v310.supportsConsumerTimeoutArgumentOnClassicQueues && v312.supportsConsumerTimeoutArgumentOnClassicQueues)
        #expect(v40.supportsConsumerTimeoutArgumentOnClassicQueues && BrokerVersion(4, 2, 9).supportsConsumerTimeoutArgumentOnClassicQueues)
        #expect(!BrokerVersion(4, 3, 0).supportsConsumerTimeoutArgumentOnClassicQueues && !v43.supportsConsumerTimeoutArgumentOnClassicQueues)
        #expect(!v310.supportsQuorumQueuePriorities && !BrokerVersion(3, 13, 7).supportsQuorumQueuePriorities)
        #expect(v40.supportsQuorumQueuePriorities && v43.supportsQuorumQueuePriorities)
        #expect(!v310.quorumQueuesHaveDefaultDeliveryLimit && v40.quorumQueuesHaveDefaultDeliveryLimit)
        #expect(v310.nackRequeueCountsTowardDeliveryLimit && v40.nackRequeueCountsTowardDeliveryLimit)
        #expect(!v43.nackRequeueCountsTowardDeliveryLimit)
    }
}
