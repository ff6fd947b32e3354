/// A stratified, seeded partition of row indices into train, validation and test.
package struct Split: Equatable, Sendable {
    package var train: [Int]
    package var validation: [Int]
    package var test: [Int]

    /// Shuffles each class with `seed` and cuts it by the fractions, so every split keeps the positive rate.
    package init(labels: [UInt8], validationFraction: Double, testFraction: Double, seed: UInt64) {
        var random = RandomSource(seed: seed)
        var train: [Int] = []
        var validation: [Int] = []
        var test: [Int] = []
        for cls: UInt8 in [0, 1] {
            var rows = labels.indices.filter { labels[$0] == cls }
            rows.shuffle(using: &random)
            let testCount = Int((Double(rows.count) * testFraction).rounded())
            let validationCount = Int((Double(rows.count) * validationFraction).rounded())
            test += rows[0..<testCount]
            validation += rows[testCount..<min(rows.count, testCount + validationCount)]
            train += rows[min(rows.count, testCount + validationCount)...]
        }
        // Sorted indices keep later passes over the columns sequential in memory.
        self.train = train.sorted()
        self.validation = validation.sorted()
        self.test = test.sorted()
    }
}
