import ChurnCore
import Foundation

/// A JSON document as sent, keeping the difference between `true` and `1` that a scoring request needs.
package enum JSONValue: Decodable, Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Parses `bytes`, or says where the JSON is broken (line and column).
    package static func parse(_ bytes: [UInt8]) throws(RequestProblem) -> JSONValue {
        do throws(JSONParser.Failure) {
            return try JSONParser.parse(bytes)
        } catch {
            throw RequestProblem.malformedJSON(error.message)
        }
    }

    /// The field as the scorer checks it (a number's text, `text(_:)`, made only if a check needs it).
    var field: Scorer.FieldValue {
        switch self {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .number(let value): return .number(value, text: "")
        case .string(let value): return .text(value)
        case .array: return .other("an array")
        case .object: return .other("an object")
        }
    }

    /// The id text of a number or string (A/B split, request ids); nil for other types.
    var idText: String? {
        switch self {
        case .string(let value): return value
        case .number(let value): return NumberFormat.plain(value)
        default: return nil
        }
    }

    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// Why a request cannot be answered, with the status it gets.
package enum RequestProblem: Error, Equatable {
    case emptyBody
    case malformedJSON(String)
    /// One entry per field: where (`["body", 0, "tenure_months"]`) and what.
    case invalidFields([FieldError])
    case tooLarge(limit: Int)
    case timedOut(seconds: Double)
    case unsupportedMediaType(String)
    case badRequest(String)

    package struct FieldError: Equatable, Sendable {
        package var loc: [LocationPart]
        package var msg: String
        package var type: String
    }

    package enum LocationPart: Equatable, Sendable {
        case key(String)
        case index(Int)
    }
}
