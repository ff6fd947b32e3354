import ChurnCore

/// Training inputs on disk.
public enum DataFiles {
    /// True for names a watcher or scan should pick up: not hidden, not still being written.
    public static func isCandidate(_ name: String) -> Bool {
        !name.hasPrefix(".") && !name.hasSuffix(".tmp") && !name.hasSuffix(".part")
    }

    /// The CSV files in `directory`, sorted by name.
    public static func list(in directory: String) throws -> [String] {
        guard FileSystem.isDirectory(directory) else { return [] }
        return try FileSystem.list(directory)
            .filter { isCandidate($0) && $0.lowercased().hasSuffix(".csv") }
            .map { "\(directory)/\($0)" }
    }

    /// Loads every file that passes validation. Refused files are returned as messages, not thrown:
    /// one bad file must not stop the others from training.
    public static func load(_ paths: [String], config: Config) throws -> (LabeledData, refused: [String]) {
        var data = LabeledData(schema: config.schema)
        var refused: [String] = []
        for path in paths {
            do {
                let file = try FileSystem.openInput(path)
                defer { file.close() }
                try data.append(
                    path: path, source: FileDescriptorSource(fd: file.fd, path: path),
                    maxMissingFraction: config.training.maxMissingFraction,
                    maxRecordBytes: config.scoring.maxRecordBytes)
            } catch let failure as ValidationFailure {
                refused.append(failure.description)
            } catch let error as ChurnError {
                if case .io(_, "read", _) = error { throw error }
                refused.append("\(error.description)")
            }
        }
        return (data, refused)
    }
}
