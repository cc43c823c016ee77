import Foundation
import HTTPTypes
import Hummingbird

/// JSON responses, encoded with sorted keys so that they read the same every time.
enum JSONResponse {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// A response with `value` as its JSON body.
    static func make(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":"could not encode the response"}"#.utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `{"error": message}` with `status`.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        make(status, ["error": message])
    }
}

/// The body of `POST /webhooks/deliver`'s answer.
struct Accepted: Encodable {
    var jobID: String
    var status: JobStatus

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", status
    }
}
