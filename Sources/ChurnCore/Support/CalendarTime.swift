import Foundation

/// A moment's calendar fields, for the fixed-width times churnd prints ("2026-11-23 16:23:05").
package struct CalendarTime: Equatable, Sendable {
    package var year: Int
    package var month: Int
    package var day: Int
    package var hour: Int
    package var minute: Int
    package var second: Int
    package var millisecond: Int

    /// Fields as the C library gives them (`gmtime_r`, `localtime_r`).
    package init(_ parts: tm, millisecond: Int = 0) {
        year = Int(parts.tm_year) + 1900
        month = Int(parts.tm_mon) + 1
        day = Int(parts.tm_mday)
        hour = Int(parts.tm_hour)
        minute = Int(parts.tm_min)
        second = Int(parts.tm_sec)
        self.millisecond = millisecond
    }

    /// Whole `seconds` since 1970, in UTC.
    package init(utcSeconds seconds: Int, millisecond: Int = 0) {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        self.init(parts, millisecond: millisecond)
    }

    /// `seconds` since 1970, in UTC; fractions below a millisecond are dropped.
    package init(utc seconds: Double) {
        let whole = seconds.rounded(.down)
        self.init(utcSeconds: Int(whole), millisecond: min(999, Int(((seconds - whole) * 1000).rounded(.down))))
    }

    /// "2026-11-23", or "20261123" with an empty separator.
    package func date(separator: String = "-") -> String {
        [Self.pad(year, 4), Self.pad(month, 2), Self.pad(day, 2)].joined(separator: separator)
    }

    /// "16:23:05", or "162305" with an empty separator.
    package func clock(separator: String = ":") -> String {
        [Self.pad(hour, 2), Self.pad(minute, 2), Self.pad(second, 2)].joined(separator: separator)
    }

    /// "16:23".
    package var hourMinute: String { "\(Self.pad(hour, 2)):\(Self.pad(minute, 2))" }

    /// "005".
    package var milliseconds: String { Self.pad(millisecond, 3) }

    /// "2026-12-03 05:40:12 UTC" for `seconds` since 1970.
    package static func utcText(_ seconds: Double) -> String {
        let time = CalendarTime(utc: seconds)
        return "\(time.date()) \(time.clock()) UTC"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
