import TOMLKit

extension Config {
    /// Live F1: labels dropped into `watch/labels/` are joined with the logged predictions of the champion and
    /// the challenger, and may promote the challenger.
    package struct Live: Equatable, Sendable {
        /// Promote the challenger when its live F1 beats the champion's by the `[promotion]` rule.
        package var promoteChallenger = true
        /// Labeled rows both versions predicted needed before live F1 can promote.
        package var minLiveRows = 500
        /// Live F1 is computed over each version's last this many labeled rows.
        package var windowRows = 5000
        /// A label judges a version's most recent prediction for its id made before the label file arrived, and
        /// only when that prediction is at most this many days old then.
        package var maxLabelAgeDays = 30.0
        package init() {}
    }
}

extension TOMLConfigReader {
    func readLive(_ section: TOMLTable, into live: inout Config.Live) throws {
        try checkKeys(
            section, section: "live",
            allowed: ["promote_challenger", "min_live_rows", "window_rows", "max_label_age_days"])
        try read(section, "live", "promote_challenger", into: &live.promoteChallenger)
        try read(section, "live", "min_live_rows", into: &live.minLiveRows, range: 1...100_000_000)
        try read(section, "live", "window_rows", into: &live.windowRows, range: 1...100_000_000)
        try read(section, "live", "max_label_age_days", into: &live.maxLabelAgeDays, range: 0.001...36_500)
        if live.minLiveRows > live.windowRows {
            throw error("live", "min_live_rows", "\(live.minLiveRows) is more than window_rows (\(live.windowRows))")
        }
    }
}
