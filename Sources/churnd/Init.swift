import ArgumentParser
import ChurnCore
import ChurnStore

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the folder layout and a commented default churnd.toml.")

    @Argument(help: "Root directory to set up (default: current directory).")
    var directory: String = "."

    func run() throws {
        for folder in ["watch/data", "watch/logs", "inbox", "outbox", "state"] {
            try FileSystem.makeDirectory("\(directory)/\(folder)")
        }
        let configPath = "\(directory)/churnd.toml"
        if FileSystem.exists(configPath) {
            print("kept existing \(configPath)")
        } else {
            try FileSystem.writeAtomically(configPath, bytes: Array(Config.defaultTOML.utf8))
            print("wrote \(configPath)")
        }
        print("ready: drop labeled CSVs into \(directory)/watch/data and CSVs to score into \(directory)/inbox")
    }
}
