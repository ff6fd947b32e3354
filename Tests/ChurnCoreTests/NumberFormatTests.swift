import Testing

@testable import ChurnCore

/// Figures printed beside a threshold keep the side they are on.
struct NumberFormatTests {
    @Test(arguments: [
        (0.00497, 0.005, "0.00497"),
        (0.00502, 0.005, "0.00502"),
        (0.0051, 0.005, "0.0051"),
        (0.005, 0.005, "0.0050"),
        (0.64996, 0.65, "0.64996"),
        (0.7193, 0.65, "0.7193"),
        (-0.0008, 0.005, "-0.0008"),
    ])
    func aFigureNearItsThresholdShowsWhichSideItIsOn(value: Double, threshold: Double, shown: String) {
        #expect(NumberFormat.fixed(value, against: threshold, 4) == shown)
    }
}
