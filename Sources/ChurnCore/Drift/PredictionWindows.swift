import Foundation

/// The last `capacity` usable records per model version, for drift checks: memory stays bounded however
/// long the logs grow. Records that lack a schema feature or carry the wrong type, and records whose version
/// cannot be told (see `VersionAttribution`), are counted by reason and skipped.
///
/// A window holds what a check reads of a record, not the record: the schema's features in order, the
/// probability and whether it was a shadow line, in flat per-version arrays. Lines are read straight from their
/// bytes when they have the plain shape churnd writes (`DirectLine`); any other line goes through
/// `PredictionRecord.parse`, and both end in `keep`, so a line counts the same whichever way it was read.
package struct PredictionWindows: Sendable {
    package let schema: Schema
    package let capacity: Int
    /// How a line's `model_version` becomes a version; the caller refreshes it as aliases move.
    package var attribution: VersionAttribution {
        didSet { lastReference = nil }
    }
    private var rings: [Int: Ring] = [:]
    /// Lines that were not a usable record, by reason.
    package private(set) var skipped: [String: Int] = [:]
    /// Non-blank lines offered.
    package private(set) var linesRead = 0
    private var usableCounts: [Int: Int] = [:]
    /// Usable records whose `model_version` named no version number: attributed by their `ts`.
    package private(set) var attributedByTime = 0
    /// The schema's feature names as UTF-8 (numeric, then categorical), for the direct reader.
    private let featureNames: [[UInt8]]
    /// The feature values of the record being read, in schema order (reused from one line to the next).
    private var slots: [Slot]
    /// The last `model_version` read and what it means: nearly every line of a log repeats it.
    private var lastReference: (text: String, reference: VersionAttribution.Reference)?

    /// One feature's value as a line gave it.
    enum Slot: Equatable {
        case absent
        case number(Double)
        case text(String)
        /// `null`.
        case missing
    }

    /// One version's held records, `capacity` at most: once full, the oldest is replaced where it is.
    struct Ring: Sendable {
        /// `numericCount` values per record; NaN is missing (a JSON number is never NaN).
        var numbers: [Double] = []
        /// `categoricalCount` levels per record, trimmed; nil is missing.
        var levels: [String?] = []
        var probabilities: [Double] = []
        var shadow: [Bool] = []
        var next = 0

        var count: Int { probabilities.count }
    }

    package init(schema: Schema, capacity: Int, attribution: VersionAttribution = VersionAttribution(model: "")) {
        self.schema = schema
        self.capacity = max(1, capacity)
        self.attribution = attribution
        featureNames = schema.features.map { Array($0.utf8) }
        slots = Array(repeating: .absent, count: schema.features.count)
    }

    /// Usable records per version, all of them (not only the held ones).
    package var usable: [String: Int] {
        Dictionary(uniqueKeysWithValues: usableCounts.map { (String($0.key), $0.value) })
    }

    /// Parses and keeps one log line.
    package mutating func ingest(line: some StringProtocol) {
        var text = String(line)
        text.withUTF8 { ingest(bytes: $0) }
    }

    /// Parses and keeps one log line given as its bytes (without the line feed).
    package mutating func ingest(bytes: UnsafeBufferPointer<UInt8>) {
        // Blank: only ASCII white space (other white space is left to the general path, which knows it).
        guard bytes.contains(where: { !($0 == 0x20 || (0x09...0x0D).contains($0)) }) else { return }
        for index in slots.indices { slots[index] = .absent }
        if let line = DirectLine.read(bytes, names: featureNames, into: &slots) {
            linesRead += 1
            keep(
                modelVersion: line.modelVersion, timestamp: line.timestamp, probability: line.probability,
                shadow: line.shadow)
            return
        }
        ingest(parsing: String(decoding: bytes, as: UTF8.self))
    }

    /// Parses and keeps one log line through `PredictionRecord.parse` alone (tests compare the direct reader
    /// with it).
    package mutating func ingest(parsing line: String) {
        guard !line.allSatisfy(\.isWhitespace) else { return }
        linesRead += 1
        do {
            add(try PredictionRecord.parse(line))
        } catch {
            let reason: String
            switch error {
            case .notJSON: reason = "not JSON"
            case .missingField(let name): reason = "missing \(name)"
            case .wrongType(let name): reason = "wrong type for \(name)"
            }
            skipped[reason, default: 0] += 1
        }
    }

    /// Keeps one parsed record.
    package mutating func add(_ record: PredictionRecord) {
        for (index, name) in schema.features.enumerated() {
            slots[index] = record.features[name]?.slot ?? .absent
        }
        keep(
            modelVersion: record.modelVersion, timestamp: record.timestamp, probability: record.probability,
            shadow: record.alias != nil)
    }

    /// Checks the values in `slots` against the schema (the first numeric feature that is missing or text, then
    /// the first missing categorical one, is the reason a record is skipped), attributes the record to a version
    /// and keeps it.
    private mutating func keep(modelVersion: String, timestamp: Double, probability: Double, shadow: Bool) {
        let numericCount = schema.numeric.count
        for index in 0..<numericCount {
            switch slots[index] {
            case .number, .missing: continue
            case .text: skipped["wrong type for features.\(schema.numeric[index])", default: 0] += 1
            case .absent: skipped["missing features.\(schema.numeric[index])", default: 0] += 1
            }
            return
        }
        for index in numericCount..<slots.count where slots[index] == .absent {
            // A number is tolerated for a category: compared by its text.
            skipped["missing features.\(schema.categorical[index - numericCount])", default: 0] += 1
            return
        }
        let reference = self.reference(modelVersion)
        let version: Int
        switch attribution.resolve(reference, at: timestamp) {
        case .success(let number):
            version = number
            if case .alias = reference { attributedByTime += 1 }
        case .failure(let failure):
            skipped[failure.description, default: 0] += 1
            return
        }
        usableCounts[version, default: 0] += 1
        // Changed in place: a ring copied out of the dictionary and stored back would share its arrays with the
        // dictionary's copy while it changes, and copy all `capacity` records for every line read.
        let capacity = self.capacity
        let slots = self.slots
        rings[version, default: Ring()].keep(
            slots, numericCount: numericCount, probability: probability, shadow: shadow, capacity: capacity)
    }

    private mutating func reference(_ modelVersion: String) -> VersionAttribution.Reference {
        if let last = lastReference, last.text == modelVersion { return last.reference }
        let reference = attribution.reference(modelVersion)
        lastReference = (modelVersion, reference)
        return reference
    }

    /// The address of `version`'s held records, for tests: a full window replaces its oldest record where it is,
    /// so the address stays the same from one record to the next.
    package func storageAddress(version: String) -> UInt? {
        ring(version)?.probabilities.withUnsafeBufferPointer { $0.baseAddress.map { UInt(bitPattern: $0) } }
    }

    /// What a check of `version` that used `used` records made of the lines read.
    package func counts(version: String, used: Int) -> LogLineCounts {
        LogLineCounts(
            read: linesRead, used: used, version: version, attributedByTime: attributedByTime, usable: usable,
            skipped: skipped)
    }

    /// Number of records held for `version`.
    package func count(version: String) -> Int {
        ring(version)?.count ?? 0
    }

    private func ring(_ version: String) -> Ring? {
        Int(version).flatMap { rings[$0] }
    }

    /// The held records of `version` as a drift window. Shadow records are left out unless asked for, so a
    /// challenger's predictions do not blur the champion's picture.
    package func window(version: String, includeShadow: Bool = false) -> DriftWindow {
        var window = DriftWindow()
        guard let ring = ring(version) else { return window }
        let numericCount = schema.numeric.count
        let categoricalCount = schema.categorical.count
        for row in 0..<ring.count where includeShadow || !ring.shadow[row] {
            var numeric: [String: Double?] = [:]
            for (index, name) in schema.numeric.enumerated() {
                let value = ring.numbers[row * numericCount + index]
                numeric[name] = value.isNaN ? .some(nil) : value
            }
            var categorical: [String: String?] = [:]
            for (index, name) in schema.categorical.enumerated() {
                categorical[name] = ring.levels[row * categoricalCount + index]
            }
            window.append(numeric: numeric, categorical: categorical, probability: ring.probabilities[row])
        }
        return window
    }
}

extension PredictionWindows.Ring {
    /// Appends a record (`slots`: numeric values, then categorical ones, all present), or once `capacity` are
    /// held, replaces the oldest.
    mutating func keep(
        _ slots: [PredictionWindows.Slot], numericCount: Int, probability: Double, shadow: Bool, capacity: Int
    ) {
        let categoricalCount = slots.count - numericCount
        if count < capacity {
            for index in 0..<numericCount { numbers.append(Self.number(slots[index])) }
            for index in numericCount..<slots.count { levels.append(Self.level(slots[index])) }
            probabilities.append(probability)
            self.shadow.append(shadow)
        } else {
            for index in 0..<numericCount { numbers[next * numericCount + index] = Self.number(slots[index]) }
            for index in 0..<categoricalCount {
                levels[next * categoricalCount + index] = Self.level(slots[numericCount + index])
            }
            probabilities[next] = probability
            self.shadow[next] = shadow
            next = (next + 1) % capacity
        }
    }

    private static func number(_ slot: PredictionWindows.Slot) -> Double {
        if case .number(let value) = slot { value } else { .nan }
    }

    /// A category's level: its text without surrounding spaces and tabs (Unicode's too), or a number's text
    /// ("3", "2.5").
    private static func level(_ slot: PredictionWindows.Slot) -> String? {
        switch slot {
        case .text(let text):
            // Only text that starts or ends with a space, a tab or a non-ASCII byte can have something to trim.
            let utf8 = text.utf8
            guard let first = utf8.first, let last = utf8.last,
                first == 0x20 || first == 0x09 || first >= 0x80 || last == 0x20 || last == 0x09 || last >= 0x80
            else { return text }
            return text.trimmingCharacters(in: .whitespaces)
        case .number(let value):
            return NumberFormat.plain(value)
        case .missing, .absent:
            return nil
        }
    }
}
