import Foundation

/// A moment's calendar fields, for the fixed-width times churnd prints ("2026-11-23 16:23:05").
public struct CalendarTime: Equatable, Sendable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var millisecond: Int

    /// Fields as the C library gives them (`gmtime_r`, `localtime_r`).
    public init(_ parts: tm, millisecond: Int = 0) {
        year = Int(parts.tm_year) + 1900
        month = Int(parts.tm_mon) + 1
        day = Int(parts.tm_mday)
        hour = Int(parts.tm_hour)
        minute = Int(parts.tm_min)
        second = Int(parts.tm_sec)
        self.millisecond = millisecond
    }

    /// Whole `seconds` since 1970, in UTC.
    public init(utcSeconds seconds: Int, millisecond: Int = 0) {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        self.init(parts, millisecond: millisecond)
    }

    /// `seconds` since 1970, in UTC; fractions below a millisecond are dropped.
    public init(utc seconds: Double) {
        let whole = seconds.rounded(.down)
        self.init(utcSeconds: Int(whole), millisecond: min(999, Int(((seconds - whole) * 1000).rounded(.down))))
    }

    /// "2026-11-23", or "20261123" with an empty separator.
    public func date(separator: String = "-") -> String {
        [Self.pad(year, 4), Self.pad(month, 2), Self.pad(day, 2)].joined(separator: separator)
    }

    /// "16:23:05", or "162305" with an empty separator.
    public func clock(separator: String = ":") -> String {
        [Self.pad(hour, 2), Self.pad(minute, 2), Self.pad(second, 2)].joined(separator: separator)
    }

    /// "16:23".
    public var hourMinute: String { "\(Self.pad(hour, 2)):\(Self.pad(minute, 2))" }

    /// "005".
    public var milliseconds: String { Self.pad(millisecond, 3) }

    /// "2026-12-03 05:40:12 UTC" for `seconds` since 1970.
    public static func utcText(_ seconds: Double) -> String {
        let time = CalendarTime(utc: seconds)
        return "\(time.date()) \(time.clock()) UTC"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
