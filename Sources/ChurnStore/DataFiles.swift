import ChurnCore

/// No training file held a usable row: each refusal names its file and its problems.
package struct NoUsableTrainingData: Error, CustomStringConvertible, Equatable {
    package var files: [String]
    /// One message per refused file, as `DataFiles.load` returns them.
    package var refused: [String]

    package var description: String {
        if refused.isEmpty {
            let what = files.count == 1 ? files[0] : "the \(files.count) files"
            return "no usable training data: \(what) hold\(files.count == 1 ? "s" : "") no data rows"
        }
        let what =
            refused.count < files.count
            ? "\(refused.count) of \(files.count) files were refused, the others hold no data rows"
            : files.count == 1 ? "the file was refused" : "every file was refused"
        return "no usable training data: \(what)\n" + refused.joined(separator: "\n")
    }
}

/// Training inputs on disk.
package enum DataFiles {
    /// True for names a watcher or scan should pick up: not hidden, not still being written.
    package static func isCandidate(_ name: String) -> Bool {
        !name.hasPrefix(".") && !name.hasSuffix(".tmp") && !name.hasSuffix(".part")
    }

    /// The CSV files in `directory`, sorted by name.
    package static func list(in directory: String) throws -> [String] {
        guard FileSystem.isDirectory(directory) else { return [] }
        return try FileSystem.list(directory)
            .filter { isCandidate($0) && $0.lowercased().hasSuffix(".csv") }
            .map { "\(directory)/\($0)" }
    }

    /// Loads every file that passes validation. Refused files are returned as messages, not thrown:
    /// one bad file must not stop the others from training.
    ///
    /// - Parameter progress: told the rows read so far as files are read.
    package static func load(
        _ paths: [String], config: Config, progress: (Int) -> Void = { _ in }
    ) throws -> (LabeledData, refused: [String]) {
        var data = LabeledData(schema: config.schema)
        var refused: [String] = []
        for path in paths {
            do {
                let file = try FileSystem.openInput(path)
                defer { file.close() }
                try data.append(
                    path: path, source: FileDescriptorSource(fd: file.fd, path: path),
                    maxMissingFraction: config.training.maxMissingFraction,
                    maxRecordBytes: config.scoring.maxRecordBytes, progress: progress)
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
