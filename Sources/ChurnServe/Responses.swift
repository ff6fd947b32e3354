import ChurnCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-ID")!
}

/// JSON responses and the error shapes clients expect: FastAPI's `{"detail": …}` for churnd's own routes,
/// MLflow's `{"error_code": …, "message": …}` for `/invocations`.
enum JSONResponse {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    /// A JSON answer before it is a Hummingbird `Response`: what `/predict`'s fast path (`PredictFastPath`),
    /// which writes its answers on the connection itself, shares with the routes.
    struct Answer {
        var status: HTTPResponse.Status
        /// With the content type.
        var headers: HTTPFields
        var body: ByteBuffer

        var response: Response { Response(status: status, headers: headers, body: .init(byteBuffer: body)) }
    }

    static func answer(_ status: HTTPResponse.Status, bytes: some Sequence<UInt8>, headers: HTTPFields = [:])
        -> Answer
    {
        var fields = headers
        fields[.contentType] = "application/json"
        return Answer(status: status, headers: fields, body: ByteBuffer(bytes: bytes))
    }

    static func answer(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) -> Answer {
        do {
            return answer(status, bytes: try encoder.encode(value), headers: headers)
        } catch {
            return detailAnswer(.internalServerError, "cannot encode the response: \(error)")
        }
    }

    static func make(_ status: HTTPResponse.Status, bytes: some Sequence<UInt8>, headers: HTTPFields = [:])
        -> Response
    {
        answer(status, bytes: bytes, headers: headers).response
    }

    static func make(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) -> Response {
        answer(status, value, headers: headers).response
    }

    /// Readable JSON (sorted keys, indented): the registry views, as the CLI's `--json` prints them.
    static func readable(_ value: some Encodable) -> Response {
        do {
            return make(.ok, bytes: try JSONEncoder.readable().encode(value))
        } catch {
            return detail(.internalServerError, "cannot encode the response: \(error)")
        }
    }

    /// `{"detail": "message"}`.
    static func detail(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> Response {
        detailAnswer(status, message, headers: headers).response
    }

    static func detailAnswer(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> Answer {
        struct Body: Encodable { var detail: String }
        return answer(status, Body(detail: message), headers: headers)
    }

    /// The response for a request problem on churnd's own routes.
    static func problem(_ problem: RequestProblem, context: ServeContext) -> Response {
        switch problem {
        case .tooLarge, .timedOut: context.closeAfterResponse()
        default: break
        }
        return problemAnswer(problem).response
    }

    /// `problem(_:context:)`'s answer; the caller closes the connection after a 413 or 408.
    static func problemAnswer(_ problem: RequestProblem) -> Answer {
        switch problem {
        case .emptyBody:
            return fields([.init(loc: [.key("body")], msg: "request body is empty; expected JSON", type: "missing")])
        case .malformedJSON(let detail):
            return fields([.init(loc: [.key("body")], msg: "malformed JSON: \(detail)", type: "json_invalid")])
        case .invalidFields(let errors):
            return fields(errors)
        case .tooLarge(let limit):
            return detailAnswer(
                .contentTooLarge, "request body larger than \(limit) bytes ([http] max_body_bytes)",
                headers: [.connection: "close"])
        case .timedOut(let seconds):
            return detailAnswer(
                .requestTimeout,
                "request body not received within \(NumberFormat.fixed(seconds, 1)) s ([http] request_timeout_seconds)",
                headers: [.connection: "close"])
        case .unsupportedMediaType(let type):
            return detailAnswer(.unsupportedMediaType, "unsupported content type \"\(type)\"; send application/json")
        case .badRequest(let message):
            return detailAnswer(.badRequest, message)
        }
    }

    /// 422 `{"detail": [{"loc": ["body", "tenure_months"], "msg": "…", "type": "…"}, …]}`, FastAPI's shape.
    static func fields(_ errors: [RequestProblem.FieldError]) -> Answer {
        answer(.unprocessableContent, FieldErrors(detail: errors.map(FieldErrorJSON.init)))
    }

    /// MLflow's error body: `{"error_code": "BAD_REQUEST", "message": "…"}`, with field errors under `detail`.
    static func mlflow(_ problem: RequestProblem, context: ServeContext) -> Response {
        struct Body: Encodable {
            var error_code: String
            var message: String
            var detail: [FieldErrorJSON]?
        }
        switch problem {
        case .tooLarge, .timedOut: return Self.problem(problem, context: context)
        case .invalidFields(let errors):
            let message = errors.prefix(5).map { "\($0.locText): \($0.msg)" }.joined(separator: "; ")
            return make(
                .badRequest,
                Body(
                    error_code: "BAD_REQUEST",
                    message: "\(errors.count) invalid field\(errors.count == 1 ? "" : "s"): \(message)",
                    detail: errors.map(FieldErrorJSON.init)))
        case .emptyBody: return make(.badRequest, Body(error_code: "BAD_REQUEST", message: "request body is empty"))
        case .malformedJSON(let detail):
            return make(.badRequest, Body(error_code: "MALFORMED_REQUEST", message: "malformed JSON: \(detail)"))
        case .unsupportedMediaType(let type):
            return make(
                .unsupportedMediaType,
                Body(
                    error_code: "BAD_REQUEST",
                    message: "unsupported content type \"\(type)\"; send application/json or text/csv"))
        case .badRequest(let message): return make(.badRequest, Body(error_code: "BAD_REQUEST", message: message))
        }
    }
}

struct FieldErrors: Encodable {
    var detail: [FieldErrorJSON]
}

struct FieldErrorJSON: Encodable {
    var loc: [Part]
    var msg: String
    var type: String

    enum Part: Encodable {
        case key(String)
        case index(Int)

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .key(let key): try container.encode(key)
            case .index(let index): try container.encode(index)
            }
        }
    }

    init(_ error: RequestProblem.FieldError) {
        loc = error.loc.map {
            switch $0 {
            case .key(let key): return .key(key)
            case .index(let index): return .index(index)
            }
        }
        msg = error.msg
        type = error.type
    }
}

extension RequestProblem.FieldError {
    /// "body.0.tenure_months".
    var locText: String {
        loc.map {
            switch $0 {
            case .key(let key): return key
            case .index(let index): return String(index)
            }
        }.joined(separator: ".")
    }
}
