import ChurnCore
import ChurnStore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Publishes a claim's staged outputs into the outbox exactly once, even when called again after a crash:
/// outputs already linked by an earlier attempt are found by inode and the rest join them under the same name.
struct Publisher: Sendable {
    let outbox: String
    /// One name choice at a time in this process, so two files with the same stem never pick the same suffix.
    private static let naming = Mutex<Void>(())

    init(outbox: String) {
        self.outbox = outbox
    }

    /// Links each staged file to `<base>.<kind>`, fsyncs the outbox, then removes the staged names. `base` is
    /// `stem`, or `stem-N` for the first N free for every kind. Returns the published paths.
    @discardableResult
    func publish(stem: String, files: [(temporaryPath: String, kind: String)]) throws -> [String] {
        let published = try linkStaged(stem: stem, files: files)
        // The links must be durable before the staged names go: otherwise a power cut could take both.
        try FileSystem.fsyncDirectory(outbox)
        for (temporary, _) in files { unlink(temporary) }
        return published
    }

    /// Links each staged file to `<base>.<kind>` and nothing more: the staged names stay, so a later step (or
    /// recovery) can tell that this claim was published. Idempotent. Returns the published paths.
    func linkStaged(stem: String, files: [(temporaryPath: String, kind: String)]) throws -> [String] {
        try Self.naming.withLock { _ in
            var base = files.lazy.compactMap { self.linkedBase(of: $0.temporaryPath, stem: stem, kind: $0.kind) }.first
            var suffix = 0
            while true {
                let candidate = base ?? (suffix == 0 ? stem : "\(stem)-\(suffix)")
                if base == nil,
                    ScoreJob.outputKinds.contains(where: { FileSystem.exists("\(outbox)/\(candidate).\($0)") })
                {
                    suffix += 1
                    continue
                }
                var paths: [String] = []
                var clash = false
                for (temporary, kind) in files {
                    let target = "\(outbox)/\(candidate).\(kind)"
                    if link(temporary, target) != 0 {
                        let code = errno
                        if code == EEXIST, sameFile(temporary, target) {
                            paths.append(target)
                            continue
                        }
                        if code == EEXIST, paths.isEmpty {
                            clash = true  // another writer took the name meanwhile: try the next suffix
                            break
                        }
                        throw ChurnError.io(path: target, operation: "link", errno: code)
                    }
                    paths.append(target)
                }
                if !clash { return paths }
                base = nil
                suffix += 1
            }
        }
    }

    /// Whether an earlier attempt already linked this staged file to a public name (the claim is committed).
    static func isLinked(_ staged: String) -> Bool {
        var info = stat()
        return lstat(staged, &info) == 0 && info.st_nlink > 1
    }

    /// The base name under which an earlier attempt already published this staged file, if it did.
    private func linkedBase(of temporary: String, stem: String, kind: String) -> String? {
        var info = stat()
        guard lstat(temporary, &info) == 0, info.st_nlink > 1 else { return nil }
        for suffix in 0..<100_000 {
            let base = suffix == 0 ? stem : "\(stem)-\(suffix)"
            if sameFile(temporary, "\(outbox)/\(base).\(kind)") { return base }
            if !ScoreJob.outputKinds.contains(where: { FileSystem.exists("\(outbox)/\(base).\($0)") }) { return nil }
        }
        return nil
    }

    private func sameFile(_ a: String, _ b: String) -> Bool {
        var x = stat()
        var y = stat()
        return lstat(a, &x) == 0 && lstat(b, &y) == 0 && x.st_ino == y.st_ino && x.st_dev == y.st_dev
    }
}
