import ChurnCore

/// libFuzzer entry point for the label-file reader (the default schema): any bytes give a batch or a
/// `LabelBatch.Problem`; every row of a batch is a label, a duplicate or skipped.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzLabelBatch(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let batch = try LabelBatch.read(MemorySource(bytes, chunk: 1 + size % 7), schema: Schema())
        let counted = batch.labels.count + batch.duplicates + batch.skipped
        precondition(counted == batch.rows, "\(counted) rows accounted for of \(batch.rows)")
    } catch is LabelBatch.Problem {
    } catch {
        preconditionFailure("unexpected error: \(error)")
    }
    return 0
}
