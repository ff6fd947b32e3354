import ChurnCore
import ChurnStore
import Foundation
import HTTPTypes
import Hummingbird

/// `POST /invocations`: MLflow's scoring protocol (`mlflow models serve`). JSON bodies carry
/// `dataframe_split` (`{"columns": […], "data": [[…], …]}`), `dataframe_records` (`[{…}, …]`), `instances` or
/// `inputs` (records, rows of values in feature order, or `{"column": [values…]}`); `text/csv` bodies are
/// scored by the file path itself. Every row answers with the outbox's columns:
/// `{"predictions": [{"customer_id": …, "churn_probability": …, "churn_prediction": …, "model_version": …}]}`.
/// Extra columns are ignored, as MLflow's schema enforcement drops them; a row that fails the checks fails the
/// request (400, every problem listed under `detail`).
extension Handlers {
    struct InvocationRow: Encodable {
        var id: String
        var probability: Double
        var prediction: Int
        var version: String
        let idName: String

        enum Key: CodingKey {
            case name(String)
            var stringValue: String {
                if case .name(let name) = self { return name }
                return ""
            }
            init?(stringValue: String) { self = .name(stringValue) }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(id, forKey: .name(idName))
            try container.encode(probability, forKey: .name("churn_probability"))
            try container.encode(prediction, forKey: .name("churn_prediction"))
            try container.encode(version, forKey: .name("model_version"))
        }
    }

    struct Predictions: Encodable {
        var predictions: [InvocationRow]

        /// `{"predictions": [...]}` as `JSONEncoder` (sorted keys) writes it, written directly.
        var json: [UInt8] {
            guard let first = predictions.first else { return Array(#"{"predictions":[]}"#.utf8) }
            var writer = Writer(idName: first.idName, rows: predictions.count)
            for row in predictions {
                writer.row(probability: row.probability, prediction: row.prediction, version: row.version) {
                    $0.string(row.id)
                }
            }
            return writer.finish()
        }

        /// Writes the answer row by row, the keys of each row in sorted order, the id column's name among them.
        struct Writer {
            private enum Field {
                case prediction, probability, version, id
            }

            private var json: JSONBytes
            /// The keys in sorted order, each with its field and `"key":` text (a comma before all but the first).
            private var keys: [(field: Field, text: [UInt8])]
            private var rows = 0

            init(idName: String, rows: Int) {
                json = JSONBytes(capacity: 96 * rows + 32)
                var named: [(name: String, field: Field)] = [
                    ("churn_prediction", .prediction), ("churn_probability", .probability),
                    ("model_version", .version),
                ]
                if !named.contains(where: { $0.name == idName }) { named.append((idName, .id)) }
                named.sort { $0.name < $1.name }
                keys = named.enumerated().map { position, key in
                    (key.field, (position > 0 ? [UInt8(ascii: ",")] : []) + JSONBytes.keyText(key.name))
                }
                json.raw(#"{"predictions":["#)
            }

            /// - Parameter probabilityText: the probability's text when it was read from six decimals (the
            ///   scored CSV's), so that its shortest form is written without formatting the number again.
            mutating func row(
                probability: Double, probabilityText: UnsafeBufferPointer<UInt8>? = nil, prediction: Int,
                version: String, id: (inout JSONBytes) -> Void
            ) {
                if rows > 0 { json.byte(UInt8(ascii: ",")) }
                rows += 1
                json.byte(UInt8(ascii: "{"))
                for key in keys {
                    json.bytes.append(contentsOf: key.text)
                    switch key.field {
                    case .prediction: json.int(prediction)
                    case .probability:
                        if let probabilityText {
                            json.double(probability, sixDecimals: probabilityText)
                        } else {
                            json.double(probability)
                        }
                    case .version: json.string(version)
                    case .id: id(&json)
                    }
                }
                json.byte(UInt8(ascii: "}"))
            }

            consuming func finish() -> [UInt8] {
                guard rows > 0 else { return Array(#"{"predictions":[]}"#.utf8) }
                json.raw("]}")
                return json.bytes
            }
        }
    }

    /// The body is read where the request arrived (its connection's event loop); it is scored on the shared pool.
    nonisolated(nonsending) func invocations(_ request: Request, context: ServeContext) async -> Response {
        let started = ContinuousClock.now
        let requestID =
            request.headers[.requestID].flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
            ?? Self.newRequestID()
        let snapshot: ServingModels.Snapshot
        let type: String
        let bytes: [UInt8]
        do throws(RequestProblem) {
            guard let current = models.current else { return notServing() }
            snapshot = current
            type =
                (request.headers[.contentType] ?? "").split(separator: ";").first
                .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            guard type == "application/json" || type == "text/csv" else {
                throw RequestProblem.unsupportedMediaType(type)
            }
            bytes = try await body.read(request, context: context)
        } catch {
            return JSONResponse.mlflow(error, context: context)
        }
        return await offLoop {
            invocations(
                bytes, type: type, snapshot: snapshot, requestID: requestID, started: started, context: context)
        }
    }

    private func invocations(
        _ bytes: [UInt8], type: String, snapshot: ServingModels.Snapshot, requestID: String,
        started: ContinuousClock.Instant, context: ServeContext
    ) -> Response {
        do {
            guard !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else {
                throw RequestProblem.emptyBody
            }
            let shadow = config().shadow
            let predictor = Predictor(
                snapshot: snapshot, shadowEnabled: shadow.enabled, serveFraction: shadow.serveFraction)
            var (json, logged) =
                try
                (type == "text/csv"
                ? scoreCSV(bytes, predictor: predictor) : scoreJSON(bytes, predictor: predictor, requestID: requestID))
            logged.setLatency(Self.milliseconds(since: started))
            log.append(logged.log, then: logged.shadow)
            return JSONResponse.make(.ok, bytes: json, headers: [.requestID: requestID])
        } catch let problem as RequestProblem {
            return JSONResponse.mlflow(problem, context: context)
        } catch let error as ChurnError {
            return JSONResponse.mlflow(.badRequest(error.description), context: context)
        } catch {
            return JSONResponse.make(.internalServerError, ["error_code": "INTERNAL_ERROR", "message": "\(error)"])
        }
    }

    /// Rows of a JSON body as field dictionaries, whatever the orientation.
    static func records(of document: JSONValue, features: [String]) throws(RequestProblem) -> [[String: JSONValue]] {
        guard case .object(let body) = document else {
            throw .badRequest("expected a JSON object with dataframe_split, dataframe_records, instances or inputs")
        }
        let keys = ["dataframe_split", "dataframe_records", "instances", "inputs"].filter { body[$0] != nil }
        guard keys.count == 1, let key = keys.first, let payload = body[key] else {
            throw .badRequest(
                "expected exactly one of dataframe_split, dataframe_records, instances and inputs; found "
                    + (keys.isEmpty ? "none" : keys.joined(separator: ", ")))
        }
        func rows(_ data: [JSONValue], columns: [String]) throws(RequestProblem) -> [[String: JSONValue]] {
            var result: [[String: JSONValue]] = []
            for (index, row) in data.enumerated() {
                guard case .array(let values) = row, values.count == columns.count else {
                    throw .badRequest("\(key) row \(index): expected an array of \(columns.count) values")
                }
                result.append(Dictionary(zip(columns, values), uniquingKeysWith: { first, _ in first }))
            }
            return result
        }
        switch (key, payload) {
        case ("dataframe_split", .object(let split)):
            guard case .array(let columnValues)? = split["columns"], case .array(let data)? = split["data"] else {
                throw .badRequest("dataframe_split needs \"columns\" (names) and \"data\" (rows)")
            }
            let columns = try columnValues.map { value throws(RequestProblem) -> String in
                guard case .string(let name) = value else { throw .badRequest("dataframe_split columns must be names") }
                return name
            }
            return try rows(data, columns: columns)
        case ("dataframe_records", .array(let items)), ("instances", .array(let items)), ("inputs", .array(let items)):
            if items.allSatisfy({ if case .array = $0 { return true } else { return false } }), !items.isEmpty {
                return try rows(items, columns: features)  // rows of values in feature order
            }
            var result: [[String: JSONValue]] = []
            for (index, item) in items.enumerated() {
                guard case .object(let fields) = item else {
                    throw .badRequest("\(key) item \(index): expected an object of column: value")
                }
                result.append(fields)
            }
            return result
        case ("instances", .object(let columns)), ("inputs", .object(let columns)):
            var count: Int?
            for (name, value) in columns {
                guard case .array(let values) = value, count == nil || count == values.count else {
                    throw .badRequest("\(key): every column must be an array of the same length (\(name) is not)")
                }
                count = values.count
            }
            var result: [[String: JSONValue]] = []
            for i in 0..<(count ?? 0) {
                var row: [String: JSONValue] = [:]
                for (name, value) in columns {
                    if case .array(let values) = value { row[name] = values[i] }
                }
                result.append(row)
            }
            return result
        default:
            throw .badRequest("\(key) has the wrong shape; see docs/http.md")
        }
    }

    /// The log lines of a request's rows: served (columns), then shadow.
    struct Logged {
        var log: PredictionColumns
        var shadow: [PredictionRecord]

        mutating func setLatency(_ milliseconds: Double) {
            log.latencyMS = milliseconds
            for index in shadow.indices { shadow[index].latencyMS = milliseconds }
        }
    }

    private func scoreJSON(_ bytes: [UInt8], predictor: Predictor, requestID: String) throws -> ([UInt8], Logged) {
        if let table = SplitTable.read(bytes), let answer = scoreSplit(table, bytes, predictor, requestID: requestID) {
            return answer
        }
        let schema = predictor.schema
        let fieldRows = try Self.records(of: try JSONValue.parse(bytes), features: schema.features)
        let features = schema.features
        var rows: [Predictor.Row] = []
        rows.reserveCapacity(fieldRows.count)
        var ids: [String] = []
        for (index, fields) in fieldRows.enumerated() {
            let id = fields[schema.id]?.idText ?? String(index + 1)
            ids.append(id)
            // The model's fields only: extra columns are ignored.
            var values: [String: Scorer.FieldValue] = [:]
            values.reserveCapacity(features.count)
            for name in features {
                if let value = fields[name] { values[name] = value.field }
            }
            rows.append(
                Predictor.Row(
                    fields: values,
                    requestID: fields[schema.id]?.idText ?? "\(requestID)-\(index + 1)", splitID: id))
        }
        let (checked, problems) = predictor.check(rows)
        guard problems.isEmpty else {
            throw RequestProblem.invalidFields(
                problems.map {
                    RequestProblem.FieldError(
                        loc: [.key("body"), .index($0.row), .key($0.problem.field)], msg: $0.problem.message,
                        type: "value_error")
                })
        }
        let scored = predictor.score(rows, checked: checked, at: Date().timeIntervalSince1970)
        return (
            Self.answer(ids: ids, scored.predictions, idName: schema.id),
            Logged(log: scored.log, shadow: scored.shadow)
        )
    }

    /// `{"predictions": [...]}` for rows `ids` and their predictions.
    static func answer(ids: [String], _ predictions: [Predictor.Prediction], idName: String) -> [UInt8] {
        guard !predictions.isEmpty else { return Array(#"{"predictions":[]}"#.utf8) }
        var writer = Predictions.Writer(idName: idName, rows: predictions.count)
        var versions: [(number: Int, text: String)] = []
        for (id, p) in zip(ids, predictions) {
            let version: String
            if let known = versions.first(where: { $0.number == p.version }) {
                version = known.text
            } else {
                version = String(p.version)
                versions.append((p.version, version))
            }
            writer.row(probability: p.probability, prediction: p.prediction, version: version) { $0.string(id) }
        }
        return writer.finish()
    }

    /// A `dataframe_split` body scored from its table of cells: its columns bound to the model's features once,
    /// each row checked and scored without a dictionary. The same rows, checks and answers as the general path
    /// (`records(of:features:)`: the first of two columns of one name counts; extra columns are ignored); nil,
    /// for the general path to answer, when a feature has no column or a row has a problem (its messages).
    private func scoreSplit(_ table: SplitTable, _ bytes: [UInt8], _ predictor: Predictor, requestID: String) -> (
        [UInt8], Logged
    )? {
        let schema = predictor.schema
        var bound: [Int] = []
        for name in schema.features {
            guard let column = table.columns.firstIndex(of: name) else { return nil }
            bound.append(column)
        }
        let idColumn = table.columns.firstIndex(of: schema.id)
        let width = table.columns.count
        let cells = table.cells
        return bytes.withUnsafeBufferPointer { body -> ([UInt8], Logged)? in
            func text(_ start: Int32, _ end: Int32) -> String {
                String(decoding: UnsafeBufferPointer(rebasing: body[Int(start)..<Int(end)]), as: UTF8.self)
            }
            var rows: [Predictor.Row] = []
            rows.reserveCapacity(table.rows)
            var ids: [String] = []
            ids.reserveCapacity(table.rows)
            for row in 0..<table.rows {
                var idText: String?
                if let idColumn {
                    switch cells[row * width + idColumn] {
                    case .string(let start, let end): idText = text(start, end)
                    case .number(let value): idText = NumberFormat.plain(value)
                    case .null, .bool: idText = nil
                    }
                }
                let id = idText ?? String(row + 1)
                ids.append(id)
                rows.append(Predictor.Row(fields: [:], requestID: idText ?? "\(requestID)-\(row + 1)", splitID: id))
            }
            let checks = predictor.snapshot.scorer.check(rows: table.rows) { row, feature in
                switch cells[row * width + bound[feature]] {
                case .number(let value): return .number(value, text: "")  // its text made if a check needs it
                case .string(let start, let end): return .text(text(start, end))
                case .null: return .null
                case .bool(let value): return .bool(value)
                }
            }
            var checked: [Scorer.CheckedRow] = []
            checked.reserveCapacity(checks.count)
            for check in checks {
                guard case .valid(let row) = check else { return nil }
                checked.append(row)
            }
            let scored = predictor.score(rows, checked: checked, at: Date().timeIntervalSince1970)
            return (
                Self.answer(ids: ids, scored.predictions, idName: schema.id),
                Logged(log: scored.log, shadow: scored.shadow)
            )
        }
    }

    /// A CSV body goes through `Scorer.score`, the file path itself: same header binding, checks, A/B split.
    /// Every scored row is logged, kept column by column while it is scored (`PredictionColumns`).
    private func scoreCSV(_ bytes: [UInt8], predictor: Predictor) throws -> ([UInt8], Logged) {
        var scorer = predictor.snapshot.scorer
        let schema = scorer.artifact.schema
        if predictor.serveFraction > 0, let challenger = predictor.snapshot.challenger,
            challenger.scorer.artifact.schema.readsSameColumns(as: schema)
        {
            scorer.split = ServingSplit(challenger: challenger.scorer, fraction: predictor.serveFraction)
        }
        var scoredBytes: [UInt8] = []
        var errorBytes: [UInt8] = []
        scoredBytes.reserveCapacity(bytes.count / 2 + 64)
        var scored = ByteWriter { scoredBytes.append(contentsOf: $0) }
        var errors = ByteWriter { errorBytes.append(contentsOf: $0) }
        let lines = bytes.reduce(into: 1) { count, byte in if byte == 0x0A { count += 1 } }
        let now = Date().timeIntervalSince1970
        var sample = PredictionSampler(
            columns: {
                var columns = scorer.logColumns(timestamp: now)
                columns.reserveCapacity(lines)
                return columns
            }())
        let summary = try scorer.score(
            path: "request body", source: MemorySource(bytes), scored: &scored, errors: &errors, progress: nil,
            sample: &sample, timestamp: now)
        if summary.rejected > 0 {
            var reader = CSVReader(source: MemorySource(errorBytes))
            _ = try reader.next()
            var problems: [RequestProblem.FieldError] = []
            while try reader.next() {
                let fields = reader.strings()
                guard fields.count == 4 else { continue }
                problems.append(
                    .init(
                        loc: [.key("body"), .key("line \(fields[0])")] + (fields[1].isEmpty ? [] : [.key(fields[1])]),
                        msg: fields[2].isEmpty ? fields[3] : "\(fields[3]) (\"\(fields[2])\")", type: "value_error"))
            }
            throw RequestProblem.invalidFields(problems)
        }
        // The scored lines (id, probability, prediction, version) become the answer field by field, without a
        // String per field. The columns kept every scored row, in order: each row gets the version and the
        // probability that served it, as the answer gives them.
        var log = sample.takeColumns() ?? scorer.logColumns(timestamp: now)
        var reader = CSVReader(source: MemorySource(scoredBytes))
        _ = try reader.next()
        let championCode = log.versionCode(String(predictor.snapshot.version))
        var answer = Predictions.Writer(idName: schema.id, rows: summary.scored)
        var index = 0
        while try reader.next() {
            guard reader.fieldCount >= 4 else { continue }
            let probabilityText = reader.field(1)
            let probability = NumberParser.parseDouble(probabilityText) ?? .nan
            let prediction = reader.withField(2) { field in
                field.count == 1 && (field[0] == UInt8(ascii: "0") || field[0] == UInt8(ascii: "1"))
                    ? Int(field[0] - UInt8(ascii: "0")) : Int(String(decoding: field, as: UTF8.self)) ?? 0
            }
            let version = reader.withField(3) { log.versionCode(utf8: $0) }
            answer.row(
                probability: probability, probabilityText: probabilityText, prediction: prediction,
                version: log.version(code: version)
            ) { json in
                reader.withField(0) { json.string(utf8: $0) }
            }
            if index < log.count {
                log.setOutcome(index, version: version, prediction: prediction, probability: probability)
            }
            index += 1
        }
        var shadow: [PredictionRecord] = []
        if predictor.shadowEnabled, let challenger = predictor.snapshot.challenger {
            let champion = (0..<min(index, log.count)).filter { log.versionCode(row: $0) == championCode }
            shadow = ShadowPredictions.score(
                champion.map { log.record(at: $0) }, with: challenger.scorer, alias: AliasName.challenger)
        }
        return (answer.finish(), Logged(log: log, shadow: shadow))
    }
}
