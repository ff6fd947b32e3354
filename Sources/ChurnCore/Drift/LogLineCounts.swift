/// What a drift check made of the prediction-log lines it read: how many were read, used, and skipped by
/// reason, so that a check on logs it cannot use says why instead of only "not enough data".
package struct LogLineCounts: Codable, Equatable, Sendable {
    /// Non-blank lines read.
    package var read: Int
    /// Records in the check's window.
    package var used: Int
    /// The version checked: a number, or the label of an unregistered artifact.
    package var version: String
    /// Usable lines whose `model_version` named no version number, attributed by their `ts`.
    package var attributedByTime: Int
    /// Usable lines per version.
    package var usable: [String: Int]
    /// Lines that could not be used, by reason.
    package var skipped: [String: Int]

    package init(
        read: Int, used: Int, version: String, attributedByTime: Int, usable: [String: Int], skipped: [String: Int]
    ) {
        self.read = read
        self.used = used
        self.version = version
        self.attributedByTime = attributedByTime
        self.usable = usable
        self.skipped = skipped
    }

    package var skippedTotal: Int { skipped.values.reduce(0, +) }
    package var usableTotal: Int { usable.values.reduce(0, +) }

    /// e.g. "1,200 log lines read: 500 used for v2, 650 not used (other versions, shadow lines or older than
    /// the window), 50 skipped; 1,000 attributed to a version by their ts".
    package var summary: String {
        typealias F = NumberFormat
        var text =
            "\(F.grouped(read)) log line\(read == 1 ? "" : "s") read: \(F.grouped(used)) used for "
            + Self.name(version)
        let unused = usableTotal - used
        if unused > 0 {
            text += ", \(F.grouped(unused)) not used (other versions, shadow lines or older than the window)"
        }
        text += ", \(F.grouped(skippedTotal)) skipped"
        if attributedByTime > 0 {
            text += "; \(F.grouped(attributedByTime)) attributed to a version by their ts"
        }
        return text
    }

    /// One line per skip reason, most frequent first: "skipped 40 log lines: not JSON".
    package var skippedLines: [String] {
        skipped.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map {
            "skipped \(NumberFormat.grouped($0.value)) log line\($0.value == 1 ? "" : "s"): \($0.key)"
        }
    }

    /// Why the check had nothing to use, or that most lines were skipped; nil when neither.
    package var warning: String? {
        typealias F = NumberFormat
        if read == 0 { return "no prediction log lines to read (churnd reads *.log and *.jsonl in watch/logs)" }
        if used == 0 {
            if usableTotal == 0 {
                return "none of the \(F.grouped(read)) log lines could be used: every one was skipped (reasons above)"
            }
            let others = usable.filter { $0.key != version }.sorted { $0.value > $1.value }.prefix(5)
                .map { "\(Self.name($0.key)) \(F.grouped($0.value))" }
            var text = "none of the \(F.grouped(usableTotal)) usable log lines is a prediction of \(Self.name(version))"
            if !others.isEmpty { text += " (lines per version: \(others.joined(separator: ", ")))" }
            return text
        }
        if skippedTotal * 2 > read {
            return "most log lines were skipped (\(F.grouped(skippedTotal)) of \(F.grouped(read))); reasons above"
        }
        return nil
    }

    /// "v2" for a version number, the label itself otherwise.
    package static func name(_ version: String) -> String {
        Int(version) != nil ? "v\(version)" : version
    }
}
