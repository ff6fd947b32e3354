import ArgumentParser
import ChurnCore
import ChurnStore

#if canImport(Glibc)
    import Glibc
#endif

struct GenData: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen-data",
        abstract: "Generate reference churn data, deterministic for a seed.")

    @Option(help: "Number of rows.")
    var rows: Int = 10_000

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Flag(help: "Leave out the churn label (data to score).")
    var unlabeled = false

    @Flag(
        help: ArgumentHelp(
            "Add an interaction a linear model cannot express: premium customers with tenure under 12 months "
                + "churn far more (trees should beat logistic regression on such data)."))
    var interaction = false

    @Option(
        help: ArgumentHelp(
            "Shift a distribution to produce drift, e.g. num_complaints=1.5, tenure_months=1..47, "
                + "avg_session_minutes=40[:12], plan_type=premium:0.40, region=EU:0.20,AF:0.35. Repeatable."))
    var shift: [String] = []

    @Option(name: .shortAndLong, help: "Output file (default: standard output). Written atomically.")
    var output: String?

    func validate() throws {
        guard rows >= 0 else { throw ValidationError("--rows must be 0 or more") }
    }

    func run() throws {
        var generator = Generator()
        generator.labeled = !unlabeled
        generator.interaction = interaction
        for item in shift { try generator.apply(shift: item) }
        guard let output else {
            var writer = ByteWriter(fd: STDOUT_FILENO, path: "<stdout>")
            try generator.write(rows: rows, seed: seed, to: &writer)
            return
        }
        let (directory, name) = FileSystem.split(output)
        let file = try PendingFile(directory: directory, name: name)
        var writer = ByteWriter(fd: file.fd, path: output, capacity: 1 << 20)
        try generator.write(rows: rows, seed: seed, to: &writer)
        _ = try file.publish(as: name, replacing: true)
        try FileSystem.fsyncDirectory(directory)
    }
}
