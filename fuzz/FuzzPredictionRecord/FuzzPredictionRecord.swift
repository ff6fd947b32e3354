import ChurnCore

/// libFuzzer entry point for the prediction-log line parser: any line parses or is skipped with a reason.
/// A parsed record within what churnd itself writes (a probability in 0…1) must survive a round trip through
/// the writer: the line churnd would log for it parses back to the same ids, names and values. Drift windows
/// fed the line's bytes (the direct reader) and its text (the record parser) must keep and count it alike.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzPredictionRecord(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeBufferPointer(start: data, count: size)
    let line = String(decoding: input, as: UTF8.self)
    checkWindows(input, line)
    let record: PredictionRecord
    do {
        record = try PredictionRecord.parse(line)
    } catch {
        return 0
    }
    guard (0...1).contains(record.probability), record.timestamp.magnitude < 1e12,
        (record.latencyMS?.magnitude ?? 0) < 1e12, (0...1).contains(record.prediction)
    else { return 0 }
    var bytes: [UInt8] = []
    do {
        var writer = ByteWriter { bytes.append(contentsOf: $0) }
        try record.write(to: &writer)
        try writer.flush()
    } catch {
        preconditionFailure("writing to memory cannot fail: \(error)")
    }
    let written = String(decoding: bytes, as: UTF8.self)
    let again: PredictionRecord
    do {
        again = try PredictionRecord.parse(written.hasSuffix("\n") ? String(written.dropLast()) : written)
    } catch {
        preconditionFailure("churnd cannot read its own line \(written): \(error)")
    }
    precondition(again.requestID == record.requestID, "request_id changed: \(written)")
    precondition(again.modelVersion == record.modelVersion, "model_version changed: \(written)")
    precondition(again.alias == record.alias && again.file == record.file, "alias or file changed: \(written)")
    precondition(again.prediction == record.prediction, "prediction changed: \(written)")
    precondition(Set(again.features.keys) == Set(record.features.keys), "feature names changed: \(written)")
    for (name, value) in record.features {
        switch (value, again.features[name]) {
        case (.text(let a), .text(let b)): precondition(a == b, "feature \(name) changed: \(written)")
        case (.missing, .missing): break
        case (.number(let a), .number(let b)):
            precondition(a == b || (a - b).magnitude <= 1e-9 * max(1, a.magnitude), "feature \(name): \(written)")
        default: preconditionFailure("feature \(name) changed type: \(written)")
        }
    }
    return 0
}

/// The windows' two ways of reading a line agree.
func checkWindows(_ bytes: UnsafeBufferPointer<UInt8>, _ line: String) {
    let attribution = VersionAttribution(
        model: "churn_model", moves: [.init(alias: "production", at: 100, version: 3)])
    var direct = PredictionWindows(schema: .reference, capacity: 4, attribution: attribution)
    var general = direct
    direct.ingest(bytes: bytes)
    general.ingest(parsing: line)
    precondition(direct.linesRead == general.linesRead, "lines read differ: \(line)")
    precondition(direct.skipped == general.skipped, "skip reasons differ: \(line)")
    precondition(direct.usable == general.usable && direct.attributedByTime == general.attributedByTime, line)
    for version in direct.usable.keys {
        for shadow in [false, true] {
            let window = direct.window(version: version, includeShadow: shadow)
            precondition(window == general.window(version: version, includeShadow: shadow), "windows differ: \(line)")
        }
    }
}
