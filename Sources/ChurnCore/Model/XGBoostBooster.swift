import CXGBoost
import Foundation
import Synchronization

/// A failure reported by the XGBoost C library, with its message trimmed to what a user can act on.
package struct XGBoostError: Error, CustomStringConvertible, Equatable {
    /// What churnd was doing, e.g. "training round 3".
    package var operation: String
    package var message: String

    package var description: String { "XGBoost failed while \(operation): \(message)" }

    /// XGBoost's last error for this thread, without the timestamp, source location and stack trace it carries.
    static func last(_ operation: String) -> XGBoostError {
        XGBoostError(operation: operation, message: trim(String(cString: churnd_XGBGetLastError())))
    }

    /// `[12:00:00] /build/src/learner.cc:123: Invalid Input: 'x'\nStack trace:\n  [bt] (0) …` → `Invalid Input: 'x'`.
    static func trim(_ raw: String) -> String {
        var text = Substring(raw)
        if let range = text.range(of: "Stack trace:") { text = text[..<range.lowerBound] }
        var lines = text.split(separator: "\n").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
        for (index, line) in lines.enumerated() {
            var rest = line
            if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                rest = rest[rest.index(after: close)...].trimmingSpaces()
            }
            // Drop a leading "path/file.cc:123:" location.
            if let colon = rest.firstIndex(of: ":"), rest[..<colon].contains("."), !rest[..<colon].contains(" ") {
                let afterPath = rest[rest.index(after: colon)...]
                if let next = afterPath.firstIndex(of: ":"), afterPath[..<next].allSatisfy(\.isNumber) {
                    rest = afterPath[afterPath.index(after: next)...].trimmingSpaces()
                }
            }
            lines[index] = rest
        }
        let message = lines.filter { !$0.isEmpty }.joined(separator: " ")
        return message.isEmpty ? "no message from the library" : message
    }
}

/// XGBoost's version, e.g. "1.7.4".
package func xgboostLibraryVersion() -> String {
    var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
    churnd_XGBoostVersion(&major, &minor, &patch)
    return "\(major).\(minor).\(patch)"
}

/// An XGBoost `DMatrix`: a copy of a dense row-major matrix (and optionally its labels) in XGBoost's memory.
/// Owns the handle; only `XGBoostBooster` uses it.
final class XGBoostMatrix {
    let handle: DMatrixHandle
    let rows: Int

    /// Copies `values` (row-major, `width` columns; NaN = missing) using `nthread` threads.
    init(values: [Double], width: Int, labels: [UInt8]? = nil, nthread: Int) throws(XGBoostError) {
        let rows = width == 0 ? 0 : values.count / width
        var out: DMatrixHandle?
        let status = values.withUnsafeBufferPointer { buffer -> Int32 in
            let address = UInt(bitPattern: buffer.baseAddress)
            let interface =
                "{\"data\": [\(address), true], \"shape\": [\(rows), \(width)], \"typestr\": \"<f8\", \"version\": 3}"
            return churnd_XGDMatrixCreateFromDense(interface, "{\"missing\": NaN, \"nthread\": \(nthread)}", &out)
        }
        guard status == 0, let out else { throw XGBoostError.last("copying \(rows) rows into a DMatrix") }
        handle = out
        self.rows = rows
        if let labels {
            let floats = labels.map(Float.init)
            guard churnd_XGDMatrixSetFloatInfo(handle, "label", floats, UInt64(floats.count)) == 0 else {
                throw XGBoostError.last("setting labels")
            }
        }
    }

    deinit { churnd_XGDMatrixFree(handle) }
}

/// Owns one XGBoost booster and is the only place that calls XGBoost's C API for it.
///
/// `@unchecked Sendable`: the handle is only touched inside `lock`, so a booster loaded once can be shared by
/// concurrent scoring jobs; XGBoost's prediction buffers are per booster and per thread, and are copied out
/// before the lock is released.
package final class XGBoostBooster: @unchecked Sendable {
    private let handle: BoosterHandle
    private let lock = Mutex(())

    /// A new booster to be trained on `cache` (the matrices it will be updated and evaluated on).
    init(cache: [XGBoostMatrix], parameters: [(String, String)]) throws(XGBoostError) {
        var out: BoosterHandle?
        var handles: [DMatrixHandle?] = cache.map(\.handle)
        guard churnd_XGBoosterCreate(&handles, UInt64(handles.count), &out) == 0, let out else {
            throw XGBoostError.last("creating a booster")
        }
        handle = out
        for (name, value) in parameters {
            guard churnd_XGBoosterSetParam(handle, name, value) == 0 else {
                throw XGBoostError.last("setting parameter \(name) = \(value)")
            }
        }
    }

    /// Loads a booster saved in XGBoost's JSON model format; `nthread` threads for prediction.
    package init(json: String, nthread: Int) throws(XGBoostError) {
        var out: BoosterHandle?
        guard churnd_XGBoosterCreate(nil, 0, &out) == 0, let out else { throw XGBoostError.last("creating a booster") }
        handle = out
        var bytes = Array(json.utf8)
        let status = bytes.withUnsafeMutableBytes {
            churnd_XGBoosterLoadModelFromBuffer(handle, $0.baseAddress, UInt64($0.count))
        }
        guard status == 0 else { throw XGBoostError.last("loading the booster JSON") }
        guard churnd_XGBoosterSetParam(handle, "nthread", String(max(1, nthread))) == 0 else {
            throw XGBoostError.last("setting nthread")
        }
    }

    private init(handle: BoosterHandle) { self.handle = handle }

    deinit { churnd_XGBoosterFree(handle) }

    /// Runs one boosting round on `train`.
    func update(round: Int, train: XGBoostMatrix) throws(XGBoostError) {
        let status = lock.withLock { _ in churnd_XGBoosterUpdateOneIter(handle, Int32(round), train.handle) }
        guard status == 0 else { throw XGBoostError.last("training round \(round)") }
    }

    /// The evaluation line XGBoost prints for `round`, e.g. `[3]\tvalidation-logloss:0.61`.
    func evaluate(round: Int, on matrix: XGBoostMatrix, name: String) throws(XGBoostError) -> String {
        var handles: [DMatrixHandle?] = [matrix.handle]
        let result: String? = name.withCString { cName in
            var names: [UnsafePointer<CChar>?] = [cName]
            var out: UnsafePointer<CChar>?
            let status = lock.withLock { _ in
                churnd_XGBoosterEvalOneIter(handle, Int32(round), &handles, &names, 1, &out)
            }
            guard status == 0, let out else { return nil }
            return String(cString: out)  // copied before the next call reuses XGBoost's buffer
        }
        guard let result else { throw XGBoostError.last("evaluating round \(round)") }
        return result
    }

    /// A new booster holding only the trees of rounds `0..<rounds`.
    func sliced(rounds: Int) throws(XGBoostError) -> XGBoostBooster {
        var out: BoosterHandle?
        let status = lock.withLock { _ in churnd_XGBoosterSlice(handle, 0, Int32(rounds), 1, &out) }
        guard status == 0, let out else { throw XGBoostError.last("keeping the first \(rounds) rounds") }
        return XGBoostBooster(handle: out)
    }

    /// Names (and XGBoost types: "q" quantitative, "i" indicator) shown to Python users of the saved model.
    func setFeatures(names: [String], types: [String]) throws(XGBoostError) {
        for (field, values) in [("feature_name", names), ("feature_type", types)] {
            let status = Self.withCStrings(values) { pointers in
                lock.withLock { _ in churnd_XGBoosterSetStrFeatureInfo(handle, field, pointers, UInt64(values.count)) }
            }
            guard status == 0 else { throw XGBoostError.last("setting \(field)") }
        }
    }

    /// The model in XGBoost's JSON format, as `Booster.save_model("model.json")` writes it.
    package func json() throws(XGBoostError) -> String {
        let text: String? = lock.withLock { _ in
            var length: UInt64 = 0
            var pointer: UnsafePointer<CChar>?
            guard churnd_XGBoosterSaveModelToBuffer(handle, "{\"format\": \"json\"}", &length, &pointer) == 0,
                let pointer
            else { return nil }
            let bytes = UnsafeRawBufferPointer(start: pointer, count: Int(length))
            return String(decoding: bytes, as: UTF8.self)
        }
        guard let text else { throw XGBoostError.last("saving the model as JSON") }
        return text
    }

    /// Number of input features the model expects.
    package func featureCount() throws(XGBoostError) -> Int {
        var count: UInt64 = 0
        let status = lock.withLock { _ in churnd_XGBoosterGetNumFeature(handle, &count) }
        guard status == 0 else { throw XGBoostError.last("reading the feature count") }
        return Int(count)
    }

    /// Number of boosting rounds in the model.
    package func rounds() throws(XGBoostError) -> Int {
        var count: Int32 = 0
        let status = lock.withLock { _ in churnd_XGBoosterBoostedRounds(handle, &count) }
        guard status == 0 else { throw XGBoostError.last("reading the number of rounds") }
        return Int(count)
    }

    /// Probabilities for `rows` rows of `width` float features (row-major, NaN = missing), written to `into`,
    /// by XGBoost's own predictor (in-place: no DMatrix copy of the batch). churnd scores with `TreeEnsemble`;
    /// this is the reference the tests hold it to.
    func predict(
        _ features: UnsafeBufferPointer<Float>, rows: Int, width: Int, into output: UnsafeMutableBufferPointer<Float>
    ) throws(XGBoostError) {
        guard rows > 0 else { return }
        precondition(features.count >= rows * width && output.count >= rows)
        let address = UInt(bitPattern: features.baseAddress)
        let interface =
            "{\"data\": [\(address), true], \"shape\": [\(rows), \(width)], \"typestr\": \"<f4\", \"version\": 3}"
        // Every key: XGBoost 1.7 rejects a predict configuration with a key missing.
        let config =
            "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
            + "\"strict_shape\": false, \"cache_id\": 0, \"missing\": NaN}"
        let copied: Bool = lock.withLock { _ in
            var shape: UnsafePointer<UInt64>?
            var dimension: UInt64 = 0
            var result: UnsafePointer<Float>?
            guard churnd_XGBoosterPredictFromDense(handle, interface, config, nil, &shape, &dimension, &result) == 0,
                let result
            else { return false }
            // Copy out before the lock is released: the next call on this booster reuses the buffer.
            output.baseAddress?.update(from: result, count: rows)
            return true
        }
        guard copied else { throw XGBoostError.last("predicting \(rows) rows") }
    }

    private static func withCStrings<R>(
        _ strings: [String], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> R
    ) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        var pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress) }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
