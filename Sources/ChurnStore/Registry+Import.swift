import ChurnCore
import Foundation
import GRDB

extension Registry {
    /// Adds a version that another machine registered (a scorer's copy of the trainer's version, fetched from
    /// MLflow): `bytes` are its `model.json` exactly as the trainer wrote it, already checked by the caller
    /// against the SHA-256 the trainer published. The artifact must say it is `model` version `number`. The
    /// version row and the MLflow version it came from are saved in one transaction; fetching a version this
    /// registry already has with the same bytes only records the MLflow version, other bytes are refused.
    @discardableResult
    package func importVersion(
        bytes: [UInt8], model: String, number: Int, mlflowVersion: String, source: String
    ) throws -> ModelVersionRecord {
        let sha = sha256Hex(bytes)
        var artifact = try ModelArtifact.decode(Data(bytes), path: source)
        guard artifact.name == model, artifact.version == number else {
            throw ChurnError.artifact(
                path: source,
                message: "holds \(artifact.name) version \(artifact.version.map(String.init) ?? "none"), "
                    + "not \(model) version \(number)")
        }
        artifact.version = number
        return try write { db in
            if let existing = try ModelVersionRecord.fetchOne(db, key: ["model_name": model, "version": number]) {
                guard existing.artifactSha256 == sha else {
                    throw RegistryError.artifactAltered(
                        path: source, version: number, expected: existing.artifactSha256, found: sha)
                }
                try saveImportedMLflowVersion(db, model: model, number: number, mlflowVersion: mlflowVersion)
                return existing
            }
            let relative = ArtifactStore.relativePath(model: model, version: number)
            let file = artifacts.path(relative)
            let directory = FileSystem.split(file).directory
            try FileSystem.makeDirectory(FileSystem.split(directory).directory)
            try FileSystem.makeDirectory(directory)
            try FileSystem.fsyncDirectory(FileSystem.split(directory).directory)
            try FileSystem.writeAtomically(file, bytes: bytes)
            let record = ModelVersionRecord(
                artifact: artifact,
                stored: ArtifactStore.Stored(relativePath: relative, sha256: sha, bytes: bytes.count),
                registeredAt: clock())
            try record.insert(db)
            try saveImportedMLflowVersion(db, model: model, number: number, mlflowVersion: mlflowVersion)
            return record
        }
    }

    private func saveImportedMLflowVersion(_ db: Database, model: String, number: Int, mlflowVersion: String) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO mlflow_state (key, value) VALUES (?, ?)",
            arguments: [Self.importedKey(model: model, number: number), mlflowVersion])
    }

    static func importedKey(model: String, number: Int) -> String { "imported:\(model):\(number)" }

    /// The MLflow version a fetched version came from (`importVersion`).
    func importedMLflowVersion(model: String, version: Int) throws -> String? {
        try read { db in
            try String.fetchOne(
                db, sql: "SELECT value FROM mlflow_state WHERE key = ?",
                arguments: [Self.importedKey(model: model, number: version)])
        }
    }
}
