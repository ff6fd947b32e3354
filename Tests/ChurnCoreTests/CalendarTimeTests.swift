import Testing

@testable import ChurnCore

struct CalendarTimeTests {
    @Test(arguments: [
        (0.0, "1970-01-01", "00:00:00", "000", "1970-01-01 00:00:00 UTC"),
        (1_764_740_412.25, "2025-12-03", "05:40:12", "250", "2025-12-03 05:40:12 UTC"),
        (951_782_400.125, "2000-02-29", "00:00:00", "125", "2000-02-29 00:00:00 UTC"),
        (4_102_444_799.5, "2099-12-31", "23:59:59", "500", "2099-12-31 23:59:59 UTC"),
    ])
    func utcFieldsAreZeroPaddedToFixedWidths(
        seconds: Double, date: String, clock: String, milliseconds: String, text: String
    ) {
        let time = CalendarTime(utc: seconds)
        #expect(time.date() == date)
        #expect(time.clock() == clock)
        #expect(time.milliseconds == milliseconds)
        #expect(CalendarTime.utcText(seconds) == text)
    }

    @Test func separatorsCanBeLeftOutForFileNames() {
        let time = CalendarTime(utcSeconds: 1_764_740_412, millisecond: 7)
        #expect(
            "\(time.date(separator: ""))T\(time.clock(separator: "")).\(time.milliseconds)Z" == "20251203T054012.007Z")
        #expect(time.hourMinute == "05:40")
    }
}
