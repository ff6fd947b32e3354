/// Measures the drift rule on generated data: false alarms on windows drawn from the training
/// distribution, detection on windows from shifted generators. Deterministic for its seeds.
package struct DriftSimulation: Sendable {
    package struct Scenario: Sendable {
        package var name: String
        /// `gen-data --shift` specs; empty for the training distribution.
        package var shifts: [String]
    }

    /// The scenarios: the training distribution, then four shifts.
    package static let standardScenarios = [
        Scenario(name: "no drift", shifts: []),
        Scenario(name: "num_complaints mean 1.2 → 1.5", shifts: ["num_complaints=1.5"]),
        Scenario(name: "premium share 0.28 → 0.40", shifts: ["plan_type=premium:0.40"]),
        Scenario(name: "region 10 points EU → AF", shifts: ["region=EU:0.20,AF:0.35"]),
        Scenario(name: "tenure_months 1..59 → 1..47", shifts: ["tenure_months=1..47"]),
    ]

    package struct Rate: Sendable {
        package var scenario: String
        package var windows: Int
        /// Checks that raised an alert with the full rule.
        package var alerts: Int
        /// Checks the reference z-score alone (|Δmean| / σ ≥ threshold) would have raised.
        package var referenceAlerts: Int
        package var rate: Double { Double(alerts) / Double(max(windows, 1)) }
    }

    package var trainingRows = 20_000
    package var windowSize = 500
    package var settings = DriftCheck.Settings()

    package init() {}

    /// Trains the reference model on generated data, then checks `windows` windows per scenario.
    package func run(scenarios: [Scenario] = standardScenarios, windows: Int, seed: UInt64 = 1) throws -> [Rate] {
        var bytes: [UInt8] = []
        var writer = ByteWriter { bytes.append(contentsOf: $0) }
        try Generator().write(rows: trainingRows, seed: seed, to: &writer)
        var data = LabeledData(schema: .reference)
        try data.append(path: "simulation", source: MemorySource(bytes), maxMissingFraction: 0)
        // The reference model of the calibration is the logistic regression.
        var config = Config()
        config.training.families = [.logisticRegression]
        let artifact = try Trainer(config: config).train(data, now: 0, elapsed: { 0 }).artifact
        let scorer = Scorer(artifact: artifact, versionLabel: "simulation")
        let check = DriftCheck(settings: settings)

        var rates: [Rate] = []
        for (s, scenario) in scenarios.enumerated() {
            var generator = Generator()
            generator.labeled = false
            for shift in scenario.shifts { try generator.apply(shift: shift) }
            var rate = Rate(scenario: scenario.name, windows: windows, alerts: 0, referenceAlerts: 0)
            for w in 0..<windows {
                let window = Self.window(
                    generator, rows: windowSize, seed: seed &* 1_000_003 &+ UInt64(s * 1_000_000 + w + 1),
                    scorer: scorer)
                let report = check.run(window, reference: artifact.featureStatistics)
                if report.alert { rate.alerts += 1 }
                if report.features.contains(where: { ($0.referenceZ ?? 0) >= settings.zThreshold }) {
                    rate.referenceAlerts += 1
                }
            }
            rates.append(rate)
        }
        return rates
    }

    static func window(_ generator: Generator, rows: Int, seed: UInt64, scorer: Scorer) -> DriftWindow {
        var sampler = Generator.Sampler(generator, seed: seed)
        var tenure: [Double] = [], complaints: [Double] = [], session: [Double] = []
        var plans: [String?] = [], regions: [String?] = []
        var probabilities: [Double] = []
        for _ in 0..<rows {
            let row = sampler.next()
            let plan = generator.plans[row.plan].level
            let region = generator.regions[row.region].level
            tenure.append(Double(row.tenure))
            complaints.append(Double(row.complaints))
            session.append((row.session * 100).rounded() / 100)
            plans.append(plan)
            regions.append(region)
            probabilities.append(
                scorer.probability(
                    numeric: [Double(row.tenure), Double(row.complaints), session.last!], categorical: [plan, region]))
        }
        var window = DriftWindow()
        window.numeric = ["tenure_months": tenure, "num_complaints": complaints, "avg_session_minutes": session]
        window.categorical = ["plan_type": plans, "region": regions]
        window.probabilities = probabilities
        window.count = rows
        return window
    }
}
