/// Labels that arrived after scoring (live F1): a CSV with the label column and what each label judges (other
/// columns are ignored). Pure: bytes in, labels out.
///
/// A row names the prediction it judges by
/// - the schema's id column (e.g. `customer_id`): the customer's most recent prediction (see `LabelJoin`);
/// - `request_id`, when the file has that column and the row a value: the prediction log line with that
///   `request_id` (lines written by other services carry their own request ids; churnd's carry the customer id);
/// - `file`, when the file has that column and the row a value, as well: only predictions made for the inbox
///   file of that name (churnd's log lines record it).
package struct LabelBatch: Sendable, Equatable {
    /// What one label row judges: predictions whose `request_id` is `requestID` (and, when set, made for `file`).
    package struct Key: Hashable, Sendable, CustomStringConvertible {
        package var requestID: String
        package var file: String?

        package init(requestID: String, file: String? = nil) {
            self.requestID = requestID
            self.file = file
        }

        package var description: String { file.map { "\(requestID) in \($0)" } ?? requestID }
    }

    /// The column that names a log line's `request_id` exactly.
    package static let requestIDColumn = "request_id"
    /// The column that names the inbox file a prediction was made for.
    package static let fileColumn = "file"

    /// One label per key, 1 for the positive class, in the order keys first appear; a later label for the same
    /// key replaces the earlier one (last wins).
    package var entries: [(key: Key, label: UInt8)] {
        order.map { ($0, labels[$0] ?? 0) }
    }
    package private(set) var labels: [Key: UInt8] = [:]
    private var order: [Key] = []
    /// Data rows read.
    package private(set) var rows = 0
    /// Rows whose key had already been labeled in this file (the later label was kept).
    package private(set) var duplicates = 0
    /// Rows with neither an id nor a request id, or a missing label value, skipped.
    package private(set) var skipped = 0

    package init() {}

    package static func == (a: LabelBatch, b: LabelBatch) -> Bool {
        a.labels == b.labels && a.order == b.order && a.rows == b.rows && a.duplicates == b.duplicates
            && a.skipped == b.skipped
    }

    /// Why a label file cannot be used at all.
    package enum Problem: Error, CustomStringConvertible, Equatable {
        case wrongColumns(header: [String], missing: [String])
        case empty
        case malformed(line: Int, message: String)

        package var description: String {
            switch self {
            case .wrongColumns(let header, let missing):
                let list = missing.map { "\"\($0)\"" }.joined(separator: " and ")
                let shown = header.prefix(20).map { "\"\($0)\"" }.joined(separator: ", ")
                let hint = HeaderBinding.foreignDelimiter(in: header).map {
                    "; looks like a \($0)-separated file; churnd reads comma-separated CSV"
                }
                return "a label file needs the id (or request_id) and label columns: header lacks \(list); "
                    + "header is \(shown)" + (hint ?? "")
            case .empty:
                return "empty label file: expected a header with the id (or request_id) and label columns"
            case .malformed(let line, let message):
                return "line \(line): \(message)"
            }
        }
    }

    /// Adds one label; the last label for a key wins.
    package mutating func add(_ key: Key, label: UInt8) {
        rows += 1
        if labels.updateValue(label, forKey: key) == nil { order.append(key) } else { duplicates += 1 }
    }

    /// Adds one label for the customer `id` (any file).
    package mutating func add(id: String, label: UInt8) {
        add(Key(requestID: id), label: label)
    }

    /// Reads a label CSV.
    package static func read<Source: ByteSource>(_ source: consuming Source, schema: Schema) throws -> LabelBatch {
        var reader = CSVReader(source: source)
        guard try reader.next() else { throw Problem.empty }
        let header = reader.strings().map { String($0.trimmingSpaces()) }
        let idIndex = header.firstIndex(of: schema.id)
        let requestIndex = header.firstIndex(of: requestIDColumn)
        let fileIndex = header.firstIndex(of: fileColumn)
        guard idIndex != nil || requestIndex != nil, let labelIndex = header.firstIndex(of: schema.label) else {
            let missing = (idIndex == nil && requestIndex == nil ? [schema.id] : []) + [schema.label]
            throw Problem.wrongColumns(header: header, missing: missing.filter { !header.contains($0) })
        }
        let positive = Set(schema.positive)
        let missing = Set(schema.missing)
        var batch = LabelBatch()
        func field(_ index: Int?) -> String? {
            guard let index, index < reader.fieldCount else { return nil }
            let value = String(reader.string(index).trimmingSpaces())
            return value.isEmpty ? nil : value
        }
        while try reader.next() {
            if let problem = reader.problem { throw Problem.malformed(line: reader.line, message: "\(problem)") }
            guard let requestID = field(requestIndex) ?? field(idIndex), let value = field(labelIndex),
                !missing.contains(value)
            else {
                batch.rows += 1
                batch.skipped += 1
                continue
            }
            batch.add(Key(requestID: requestID, file: field(fileIndex)), label: positive.contains(value) ? 1 : 0)
        }
        return batch
    }
}
