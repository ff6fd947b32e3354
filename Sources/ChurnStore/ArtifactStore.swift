import ChurnCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Model artifacts on disk: `<directory>/<name>/<version>/model.json`, written atomically and verified by
/// SHA-256 whenever they are read back, so a registry row never silently serves a changed file.
package struct ArtifactStore: Sendable {
    /// Writes `bytes` to `path` atomically (the seam tests use to simulate a full disk).
    package typealias Writer = @Sendable (_ path: String, _ bytes: [UInt8]) throws -> Void

    /// Usually `state/models`.
    package let directory: String
    let writeFile: Writer

    package init(directory: String, writer: Writer? = nil) {
        self.directory = directory
        self.writeFile = writer ?? { path, bytes in try FileSystem.writeAtomically(path, bytes: bytes) }
    }

    /// What was stored: where (relative to the state directory's `models/` parent) and its fingerprint.
    package struct Stored: Equatable, Sendable {
        package var relativePath: String
        package var sha256: String
        package var bytes: Int
    }

    /// `models/<name>/<version>/model.json`, the form the registry keeps (relative to the state directory).
    package static func relativePath(model: String, version: Int) -> String {
        "models/\(model)/\(version)/model.json"
    }

    /// Absolute (or root-relative) path of a stored relative path.
    package func path(_ relativePath: String) -> String {
        let parent = FileSystem.split(directory).directory
        return "\(parent)/\(relativePath)"
    }

    /// Writes `artifact` (its `version` already set) under its name and version, replacing an orphan left by
    /// an interrupted registration. Nothing half-written remains when this throws.
    package func write(_ artifact: ModelArtifact) throws -> Stored {
        guard let version = artifact.version else {
            throw ChurnError.internalInconsistency("artifact stored without a registry version")
        }
        let relative = Self.relativePath(model: artifact.name, version: version)
        let file = path(relative)
        let versionDirectory = FileSystem.split(file).directory
        let bytes = Array(try artifact.encoded())
        let modelDirectory = FileSystem.split(versionDirectory).directory
        try FileSystem.makeDirectory(versionDirectory)
        do {
            try FileSystem.fsyncDirectory(modelDirectory)
            try writeFile(file, bytes)
        } catch {
            remove(model: artifact.name, version: version)
            throw error
        }
        return Stored(relativePath: relative, sha256: sha256Hex(bytes), bytes: bytes.count)
    }

    /// Reads and checks the artifact of `version` against the SHA-256 the registry recorded.
    package func load(_ record: ModelVersionRecord) throws -> ModelArtifact {
        let file = path(record.artifactPath)
        let bytes = try verifiedBytes(record)
        var artifact = try ModelArtifact.decode(Data(bytes), path: file)
        guard artifact.name == record.modelName, artifact.version == record.version else {
            throw ChurnError.artifact(
                path: file,
                message: "holds \(artifact.name) version \(artifact.version.map(String.init) ?? "none"), "
                    + "not \(record.modelName) version \(record.version)")
        }
        artifact.version = record.version
        return artifact
    }

    /// Checks that the artifact of `record` exists and is unchanged.
    package func verify(_ record: ModelVersionRecord) throws {
        _ = try verifiedBytes(record)
    }

    private func verifiedBytes(_ record: ModelVersionRecord) throws -> [UInt8] {
        let file = path(record.artifactPath)
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readAll(file)
        } catch ChurnError.io(_, "open", ENOENT) {
            throw RegistryError.artifactMissing(path: file, version: record.version)
        }
        let found = sha256Hex(bytes)
        guard found == record.artifactSha256 else {
            throw RegistryError.artifactAltered(
                path: file, version: record.version, expected: record.artifactSha256, found: found)
        }
        return bytes
    }

    /// Removes a version's directory and whatever is in it (an orphan, or a failed write's leftovers).
    package func remove(model: String, version: Int) {
        let versionDirectory = FileSystem.split(path(Self.relativePath(model: model, version: version))).directory
        for name in (try? FileSystem.list(versionDirectory)) ?? [] {
            unlink("\(versionDirectory)/\(name)")
        }
        rmdir(versionDirectory)
    }
}
