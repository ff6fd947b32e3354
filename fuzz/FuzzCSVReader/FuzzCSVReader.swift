import ChurnCore

/// libFuzzer entry point for the CSV reader: the first two bytes choose the read chunk size and the record
/// limit (small values force records across refills and over the limit), the rest is the input. Checks what
/// the reader promises: lines only move forward, every field lies within the record, a record over the limit
/// comes without fields, and every byte is consumed exactly once.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzCSVReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 2 else { return 0 }
    let chunk = 1 + Int(data[0] % 64)
    let maxRecordBytes = 64 + Int(data[1]) * 4
    let input = Array(UnsafeBufferPointer(start: data + 2, count: size - 2))
    var reader = CSVReader(
        source: MemorySource(input, chunk: chunk), bufferSize: 64, maxRecordBytes: maxRecordBytes)
    var lastLine = 0
    do {
        while try reader.next() {
            precondition(reader.line > lastLine, "line \(reader.line) after line \(lastLine)")
            lastLine = reader.line
            if case .tooLong = reader.problem {
                precondition(reader.fieldCount <= 1, "a skipped record kept \(reader.fieldCount) fields")
                continue
            }
            var bytes = 0
            for index in 0..<reader.fieldCount {
                bytes += reader.withField(index) { $0.count }
            }
            precondition(bytes <= input.count, "fields hold \(bytes) bytes of a \(input.count)-byte input")
            _ = reader.strings()
        }
    } catch {
        preconditionFailure("a memory source cannot fail: \(error)")
    }
    precondition(reader.bytesConsumed == input.count, "consumed \(reader.bytesConsumed) of \(input.count) bytes")
    return 0
}
