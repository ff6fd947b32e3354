import ArgumentParser
import ChurnCore
import ChurnStore

#if canImport(Glibc)
    import Glibc
#endif

@main
struct Churnd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "churnd",
        abstract: "Keeps a churn model trained, judged and serving.",
        version: churndVersion,
        subcommands: [
            Init.self, GenData.self, Train.self, Score.self, Models.self, Promote.self, Rollback.self, History.self,
            Runs.self, Status.self, Drift.self, Run.self, Serve.self,
        ]
    )

    /// Exit codes: 0 ok, 1 failure, 2 usage.
    static func main() async {
        do {
            let subcommands = Set(configuration.subcommands.map { $0._commandName })
            var command = try parseAsRoot(
                GlobalOptions.reorder(Array(CommandLine.arguments.dropFirst()), subcommands: subcommands))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ChurnError {
            printError(error.description)
            Glibc.exit(error.isUsage ? 2 : 1)
        } catch let error as RegistryError {
            printError(error.description)
            Glibc.exit(error.isUsage ? 2 : 1)
        } catch let error as Trainer.Failure {
            printError(error.description)
            Glibc.exit(1)
        } catch let error as NoUsableTrainingData {
            printError(error.description)
            Glibc.exit(1)
        } catch let error as ValidationFailure {
            printError(error.description)
            Glibc.exit(1)
        } catch let error as Trainer.Failure {
            printError(error.description)
            Glibc.exit(1)
        } catch let error as CommandFailure {
            if !error.message.isEmpty { printError(error.message) }
            Glibc.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            let message = fullMessage(for: error)
            if !message.isEmpty { printError(message) }
            Glibc.exit(code == .validationFailure ? 2 : 1)
        }
    }
}

/// A failure already explained to the user; carries the last line to print, if any.
struct CommandFailure: Error {
    var message: String
}

extension ChurnError {
    var isUsage: Bool {
        if case .usage = self { return true }
        return false
    }
}

func printError(_ message: String) {
    var text = message
    if !text.hasSuffix("\n") { text += "\n" }
    writeStandardError(text.hasPrefix("churnd:") ? text : "churnd: " + text)
}

/// Writes straight to file descriptor 2 (the C `stderr` global is not concurrency-safe in Swift 6).
func writeStandardError(_ text: String) {
    var copy = text
    copy.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
}
