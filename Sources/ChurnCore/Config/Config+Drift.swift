import TOMLKit

extension Config {
    /// Drift monitoring (the `[drift]` section).
    package struct Drift: Equatable, Sendable {
        /// What the daemon does when a check raises an alert.
        package enum Policy: String, Equatable, Sendable, CaseIterable {
            /// Roll `production` back to its previous version, and retrain when new data is present.
            case rollback
            /// Retrain when new data is present; leave `production` where it is.
            case retrain
            /// Report and log only.
            case alert
        }

        /// Seconds between scheduled checks.
        package var intervalSeconds = 300.0
        /// Records per check: the last this many logged predictions of the serving version.
        package var lastN = 500
        package var policy = Policy.rollback
        /// Reference rule: alert when |mean_recent − mean_train| / std_train reaches this.
        package var zThreshold = 2.5
        /// Bound on the chance of a false alarm per check (split over the distribution tests).
        package var falseAlarmRate = 0.006
        /// Fewer records than this: "not enough data", no alert.
        package var minRecords = 100
        /// Rows of each scored file written to the prediction log (a uniform sample); 0 turns logging off.
        package var sampleRowsPerFile = 10_000
        /// The daemon's own prediction log in watch/logs, rotated when it passes `logMaxBytes`.
        package var logFile = "churnd-predictions.jsonl"
        package var logMaxBytes = 64 << 20
        /// Effect floors: a test alerts only when its p-value is small AND its effect reaches its floor, so a
        /// rare typo or a tiny difference in a large window does not move production.
        /// Means: |mean_recent − mean_train| / std_train.
        package var minMeanShift = 0.1
        /// Binned distributions of numeric features and the probability: PSI over the training-quantile bins.
        package var minBinPSI = 0.1
        /// Level mixes: the largest change of one level's share of rows (unseen levels and missing values count).
        package var minLevelShareChange = 0.05
        package init() {}

        /// The statistical settings of a check.
        package var checkSettings: DriftCheck.Settings {
            var settings = DriftCheck.Settings()
            settings.zThreshold = zThreshold
            settings.familyAlpha = falseAlarmRate
            settings.minRecords = minRecords
            settings.minMeanShift = minMeanShift
            settings.minBinPSI = minBinPSI
            settings.minLevelShareChange = minLevelShareChange
            return settings
        }
    }
}

extension TOMLConfigReader {
    func readDrift(_ section: TOMLTable, into drift: inout Config.Drift) throws {
        try checkKeys(
            section, section: "drift",
            allowed: [
                "interval_seconds", "last_n", "policy", "z_threshold", "false_alarm_rate", "min_records",
                "sample_rows_per_file", "log_file", "log_max_bytes", "min_mean_shift", "min_bin_psi",
                "min_level_share_change",
            ])
        try read(section, "drift", "interval_seconds", into: &drift.intervalSeconds, range: 0.1...604_800)
        try read(section, "drift", "last_n", into: &drift.lastN, range: 10...10_000_000)
        var policy = drift.policy.rawValue
        try read(section, "drift", "policy", into: &policy)
        guard let parsed = Config.Drift.Policy(rawValue: policy) else {
            let choices = Config.Drift.Policy.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw error("drift", "policy", "\"\(policy)\" is not one of \(choices)")
        }
        drift.policy = parsed
        try read(section, "drift", "z_threshold", into: &drift.zThreshold, range: 0.1...100)
        try read(section, "drift", "false_alarm_rate", into: &drift.falseAlarmRate, range: 1e-9...0.5)
        try read(section, "drift", "min_records", into: &drift.minRecords, range: 2...10_000_000)
        try read(section, "drift", "sample_rows_per_file", into: &drift.sampleRowsPerFile, range: 0...100_000_000)
        try read(section, "drift", "log_file", into: &drift.logFile)
        try read(section, "drift", "log_max_bytes", into: &drift.logMaxBytes, range: 4096...(1 << 40))
        try read(section, "drift", "min_mean_shift", into: &drift.minMeanShift, range: 0...100)
        try read(section, "drift", "min_bin_psi", into: &drift.minBinPSI, range: 0...100)
        try read(section, "drift", "min_level_share_change", into: &drift.minLevelShareChange, range: 0...1)
        if drift.logFile.contains("/") || !(drift.logFile.hasSuffix(".jsonl") || drift.logFile.hasSuffix(".log")) {
            throw error("drift", "log_file", "a file name in watch/logs ending in .jsonl or .log")
        }
        if drift.minRecords > drift.lastN {
            throw error("drift", "min_records", "must not exceed last_n (\(drift.lastN))")
        }
    }
}
