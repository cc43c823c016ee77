import Warren

/// The task the web service enqueues and the worker runs: POST `payload` to `targetURL`.
///
/// On the wire (the message body) it is `{"job_id": "…", "target_url": "https://…", "payload": {…}}`
/// with the AMQP `type` `deliver-webhook` and the job id as message id, so any AMQP client can
/// enqueue one too.
public struct DeliverWebhook: WarrenTask, Hashable {
    /// The task's name on the wire.
    public static let name = "deliver-webhook"

    /// The job this delivery belongs to; also the message id.
    public var jobID: String
    /// Where to POST: an absolute `http` or `https` URL.
    public var targetURL: String
    /// The JSON object to POST.
    public var payload: JSONValue

    /// Creates a delivery task.
    public init(jobID: String, targetURL: String, payload: JSONValue) {
        self.jobID = jobID
        self.targetURL = targetURL
        self.payload = payload
    }

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id"
        case targetURL = "target_url"
        case payload
    }
}
