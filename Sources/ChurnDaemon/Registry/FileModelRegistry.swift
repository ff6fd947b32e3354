import ChurnCore
import ChurnStore
import Foundation
import Synchronization

/// A stand-in registry on one file: `STATE/model/model.json` (what `churnd train` writes) is "production",
/// its version the artifact's `version` field, or 1 when it has none. Training writes the next version there
/// when the candidate passes the gate and is at least as good as the serving model on F1.
public final class FileModelRegistry: ModelRegistry {
    public let artifactPath: String
    private let config: @Sendable () -> Config
    private let cache = Mutex<Cached?>(nil)

    private struct Cached {
        var identity: FileIdentity
        var version: Int
        var artifact: ModelArtifact
    }

    /// - Parameter config: read at each training, so a reloaded configuration applies to the next run.
    public init(stateDirectory: String, config: @escaping @Sendable () -> Config) {
        self.artifactPath = "\(stateDirectory)/model/model.json"
        self.config = config
    }

    public func servingVersion() throws -> Int? {
        try current()?.version
    }

    public func artifact(version: Int) throws -> ModelArtifact {
        guard let cached = try current(), cached.version == version else {
            throw DaemonError.registry("version \(version) is no longer the one in \(artifactPath)")
        }
        return cached.artifact
    }

    /// The artifact on disk, re-read only when the file changed (a stat per call otherwise).
    private func current() throws -> Cached? {
        guard let identity = FileIdentity(path: artifactPath) else { return nil }
        if let cached = cache.withLock({ $0 }), cached.identity == identity { return cached }
        let artifact = try ModelArtifact.decode(Data(try FileSystem.readAll(artifactPath)), path: artifactPath)
        let fresh = Cached(identity: identity, version: artifact.version ?? 1, artifact: artifact)
        cache.withLock { $0 = fresh }
        return fresh
    }

    public func train(files: [String]) throws -> String {
        let config = config()
        let started = ContinuousClock.now
        let (data, refused) = try DataFiles.load(files, config: config)
        let refusedNote = refused.isEmpty ? "" : " (\(refused.count) file(s) refused)"
        guard data.count > 0 else { return "no usable training data\(refusedNote)" }
        let result = try Trainer(config: config).train(
            data, now: Date().timeIntervalSince1970,
            elapsed: {
                let (seconds, atto) = (ContinuousClock.now - started).components
                return Double(seconds) + Double(atto) * 1e-18
            })
        let f1 = result.artifact.metrics.f1
        let champion = try current()
        guard result.eligible else {
            return "candidate refused: test F1 \(format(f1)) below the gate \(format(config.promotion.gateF1))\(refusedNote)"
        }
        if let champion, champion.artifact.metrics.f1 > f1 {
            return "candidate kept out: test F1 \(format(f1)) < v\(champion.version) F1 "
                + "\(format(champion.artifact.metrics.f1))\(refusedNote)"
        }
        var artifact = result.artifact
        let version = (champion?.version ?? 0) + 1
        artifact.version = version
        try FileSystem.makeDirectory(FileSystem.split(artifactPath).directory)
        try FileSystem.writeAtomically(artifactPath, bytes: Array(try artifact.encoded()))
        let previous = champion.map { " over v\($0.version) (F1 \(format($0.artifact.metrics.f1)))" } ?? ""
        return "promoted v\(version): test F1 \(format(f1)) on \(result.split.test.count) rows\(previous)\(refusedNote)"
    }

    private func format(_ value: Double) -> String {
        String(format: "%.4f", value)
    }
}

/// What identifies one version of a file cheaply: inode, size and modification time.
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: Int64

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }
}
