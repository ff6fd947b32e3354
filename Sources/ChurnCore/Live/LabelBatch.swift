/// Labels that arrived after scoring (SPEC §5, live F1): a CSV with the schema's id and label columns (others
/// are ignored). Pure: bytes in, labels out.
public struct LabelBatch: Sendable, Equatable {
    /// One label per id, 1 for the positive class, in the order ids first appear; a later label for the same
    /// id replaces the earlier one (last wins).
    public var entries: [(id: String, label: UInt8)] {
        order.map { ($0, labels[$0] ?? 0) }
    }
    public private(set) var labels: [String: UInt8] = [:]
    private var order: [String] = []
    /// Data rows read.
    public private(set) var rows = 0
    /// Rows whose id had already been labeled in this file (the later label was kept).
    public private(set) var duplicates = 0
    /// Rows with an empty id or a missing label value, skipped.
    public private(set) var skipped = 0

    public init() {}

    public static func == (a: LabelBatch, b: LabelBatch) -> Bool {
        a.labels == b.labels && a.order == b.order && a.rows == b.rows && a.duplicates == b.duplicates
            && a.skipped == b.skipped
    }

    /// Why a label file cannot be used at all.
    public enum Problem: Error, CustomStringConvertible, Equatable {
        case wrongColumns(header: [String], missing: [String])
        case empty
        case malformed(line: Int, message: String)

        public var description: String {
            switch self {
            case .wrongColumns(let header, let missing):
                let list = missing.map { "\"\($0)\"" }.joined(separator: " and ")
                let shown = header.prefix(20).map { "\"\($0)\"" }.joined(separator: ", ")
                let hint = HeaderBinding.foreignDelimiter(in: header).map {
                    "; looks like a \($0)-separated file; churnd reads comma-separated CSV"
                }
                return "a label file needs the id and label columns: header lacks \(list); header is \(shown)"
                    + (hint ?? "")
            case .empty:
                return "empty label file: expected a header with the id and label columns"
            case .malformed(let line, let message):
                return "line \(line): \(message)"
            }
        }
    }

    /// Adds one label; the last label for an id wins.
    public mutating func add(id: String, label: UInt8) {
        rows += 1
        if labels.updateValue(label, forKey: id) == nil { order.append(id) } else { duplicates += 1 }
    }

    /// Reads a label CSV.
    public static func read<Source: ByteSource>(_ source: consuming Source, schema: Schema) throws -> LabelBatch {
        var reader = CSVReader(source: source)
        guard try reader.next() else { throw Problem.empty }
        let header = reader.strings().map { String($0.trimmingSpaces()) }
        guard let idIndex = header.firstIndex(of: schema.id), let labelIndex = header.firstIndex(of: schema.label)
        else {
            throw Problem.wrongColumns(
                header: header, missing: [schema.id, schema.label].filter { !header.contains($0) })
        }
        let positive = Set(schema.positive)
        let missing = Set(schema.missing)
        var batch = LabelBatch()
        while try reader.next() {
            if let problem = reader.problem { throw Problem.malformed(line: reader.line, message: "\(problem)") }
            guard reader.fieldCount > max(idIndex, labelIndex) else {
                batch.rows += 1
                batch.skipped += 1
                continue
            }
            let id = String(reader.string(idIndex).trimmingSpaces())
            let value = String(reader.string(labelIndex).trimmingSpaces())
            if id.isEmpty || missing.contains(value) {
                batch.rows += 1
                batch.skipped += 1
                continue
            }
            batch.add(id: id, label: positive.contains(value) ? 1 : 0)
        }
        return batch
    }
}
