import ChurnCore

/// A `dataframe_split` body (`{"dataframe_split": {"columns": […], "data": [[…], …]}}`) read straight into one
/// table of cells, without a `JSONValue` tree or a dictionary per row: what `/invocations` scores 10,000 rows from.
///
/// Only the usual shape is read: the other top-level keys of MLflow's protocol absent, each cell a number, a
/// string without escapes, `null`, `true` or `false`, every row as long as `columns`. For anything else, or a
/// document that is not valid JSON, `read` gives nil and the request takes the general path (`JSONValue`), which
/// answers it, or says what is wrong, exactly as before.
struct SplitTable {
    enum Cell {
        case number(Double)
        /// A string without escapes (valid UTF-8): its bytes' range in the body.
        case string(start: Int32, end: Int32)
        case null
        case bool(Bool)
    }

    var columns: [String]
    /// `rows` × `columns.count` cells, row by row.
    var cells: [Cell]
    var rows: Int

    /// The table of `bytes`, or nil when the body is not the usual `dataframe_split` shape.
    static func read(_ bytes: [UInt8]) -> SplitTable? {
        guard bytes.count < Int(Int32.max) else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(buffer)
            do throws(JSONParser.Failure) {
                return try parser.splitDocument()
            } catch {
                return nil
            }
        }
    }
}

extension JSONParser {
    /// Consumes `byte` when it is next.
    private mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private func next(is byte: UInt8) -> Bool { index < bytes.count && bytes[index] == byte }

    /// Reads an object's members with `member(key)` (which reads the value), or gives false when it is no object.
    private mutating func members(_ member: (inout JSONParser, String) throws(Failure) -> Bool) throws(Failure)
        -> Bool
    {
        guard take(UInt8(ascii: "{")) else { return false }
        skipWhitespace()
        if take(UInt8(ascii: "}")) { return true }
        while true {
            skipWhitespace()
            guard next(is: UInt8(ascii: "\"")) else { return false }
            let key = try string()
            skipWhitespace()
            guard take(UInt8(ascii: ":")) else { return false }
            skipWhitespace()
            guard try member(&self, key) else { return false }
            skipWhitespace()
            if take(UInt8(ascii: ",")) { continue }
            return take(UInt8(ascii: "}"))
        }
    }

    mutating func splitDocument() throws(Failure) -> SplitTable? {
        var table: SplitTable?
        skipWhitespace()
        let read = try members { parser, key throws(Failure) in
            switch key {
            case "dataframe_split":
                guard table == nil, let split = try parser.splitObject() else { return false }
                table = split
                return true
            case "dataframe_records", "instances", "inputs":
                return false  // more than one orientation: the general path says so
            default:
                _ = try parser.value(depth: 1)  // ignored, as the general path ignores it
                return true
            }
        }
        skipWhitespace()
        guard read, index == bytes.count else { return nil }
        return table
    }

    private mutating func splitObject() throws(Failure) -> SplitTable? {
        var columns: [String]?
        var data: (cells: [SplitTable.Cell], rows: Int, width: Int)?
        let read = try members { parser, key throws(Failure) in
            switch key {
            case "columns":
                guard columns == nil, let names = try parser.splitColumns() else { return false }
                columns = names
            case "data":
                guard data == nil, let rows = try parser.splitData() else { return false }
                data = rows
            default:
                _ = try parser.value(depth: 2)
            }
            return true
        }
        guard read, let columns, let data, data.rows > 0, data.width == columns.count else { return nil }
        return SplitTable(columns: columns, cells: data.cells, rows: data.rows)
    }

    private mutating func splitColumns() throws(Failure) -> [String]? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var names: [String] = []
        skipWhitespace()
        if take(UInt8(ascii: "]")) { return names }
        while true {
            skipWhitespace()
            guard next(is: UInt8(ascii: "\"")) else { return nil }
            names.append(try string())
            skipWhitespace()
            if take(UInt8(ascii: ",")) { continue }
            return take(UInt8(ascii: "]")) ? names : nil
        }
    }

    /// The rows of `data`, all as long as the first; nil for anything else.
    private mutating func splitData() throws(Failure) -> (cells: [SplitTable.Cell], rows: Int, width: Int)? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var cells: [SplitTable.Cell] = []
        var rows = 0
        var width = -1
        skipWhitespace()
        if take(UInt8(ascii: "]")) { return (cells, 0, 0) }
        while true {
            skipWhitespace()
            guard take(UInt8(ascii: "[")) else { return nil }
            let before = cells.count
            skipWhitespace()
            if !take(UInt8(ascii: "]")) {
                while true {
                    skipWhitespace()
                    guard let cell = try splitCell() else { return nil }
                    cells.append(cell)
                    skipWhitespace()
                    if take(UInt8(ascii: ",")) { continue }
                    guard take(UInt8(ascii: "]")) else { return nil }
                    break
                }
            }
            if width < 0 {
                width = cells.count - before
                cells.reserveCapacity(width * max(16, (bytes.count - index) / max(1, 8 * width)))
            }
            guard cells.count - before == width else { return nil }
            rows += 1
            skipWhitespace()
            if take(UInt8(ascii: ",")) { continue }
            guard take(UInt8(ascii: "]")) else { return nil }
            return (cells, rows, width)
        }
    }

    private mutating func splitCell() throws(Failure) -> SplitTable.Cell? {
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            let start = index + 1
            var end = start
            var ascii = true
            while end < bytes.count {
                let byte = bytes[end]
                if byte == UInt8(ascii: "\"") { break }
                guard byte >= 0x20, byte != UInt8(ascii: "\\") else { return nil }  // escapes: the general path
                if byte >= 0x80 { ascii = false }
                end += 1
            }
            guard end < bytes.count else { return nil }
            if !ascii, !FieldCheck.isValidUTF8(UnsafeBufferPointer(rebasing: bytes[start..<end])) { return nil }
            index = end + 1
            return .string(start: Int32(start), end: Int32(end))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        default: return nil  // arrays, objects, broken JSON: the general path
        }
    }
}
