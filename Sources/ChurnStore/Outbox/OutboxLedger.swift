import ChurnCore

#if canImport(Glibc)
    import Glibc
#endif

/// The output protocol: every input dropped into the inbox ends with exactly one complete set of outputs in
/// the outbox — or in quarantine, with its reason — even when the daemon is killed or the power fails at any
/// instruction. Every file name the protocol uses is made here, and every step that moves one is here.
///
/// **Names.** An input is *claimed* by renaming it to `processing/<claim>.<name>` (`ClaimID`: 16 hex digits of
/// the claim time). Its outputs are *staged* in the outbox as hidden files `.<claim>.<kind>.<stem>.tmp`
/// (`StagedName`), one per `OutputKind`, then *published* as `<base>.<kind>`, where `<base>` is the first of
/// `<stem>`, `<stem>-1`, … free for every kind (`FirstFreeSuffix`). Finally the input is *archived* to
/// `archive/<claim>.<name>`, or, when it could not be scored (its output is `error.txt`), to
/// `quarantine/<claim>.<name>` with a copy of the report as `<claim>.<name>.reason.txt`.
///
/// **The steps, in order,** for one claim (`claim`, the caller's scoring through `staging(for:)`, `commit`):
/// 1. rename the input into `processing/` (no fsync: a claim lost to a power cut leaves the input in the inbox);
/// 2. write each staged output and fsync it: a public name must never show a partial file after a power cut
///    (a batch writes every claim's files first, starting their writeback, and syncs them all just before
///    step 3: the first sync's journal commit then covers most of the others);
/// 3. fsync the outbox: the staged names must be durable before any public link is, or a public output could
///    survive without the staged name that ties it to its claim, and the input would be scored again;
/// 4. **the commit:** link each staged file to its public name, in `OutputKind` order;
/// 5. later, in batches shared by every claim that finished meanwhile (group commit): write the quarantine's
///    reason file, rename the input out of `processing/`, fsync the folders it went to, fsync the outbox (the
///    links must be durable before the staged names go, or a power cut could take both and with them the
///    output), and only then unlink the staged names — without a sync: a staged name that comes back after a
///    power cut belongs to a claim that left `processing/`, and recovery removes it.
///
/// **Several claims at once** (`commit(_:)` with a batch: the daemon's worker scores a batch of small files one
/// after the other) share step 3, a group commit: every claim of the batch has done steps 1 and 2 (its staged
/// files created and synced; a claim whose files cannot be synced is left out, uncommitted, and its staged
/// files are removed on its retry) before the one fsync of the outbox begins, and no claim of the batch links
/// anything before that fsync has returned. That fsync makes durable every name created in the folder before
/// it began, so for each claim the order above holds as if it had its own sync; only the number of syncs
/// changes. The links of step 4 then go claim after claim: a crash between two claims' links leaves the
/// earlier claims committed and the later ones staged but not committed — two cases of the list below, each
/// finished on its own. When the shared fsync fails, no claim of the batch is committed.
///
/// **Why exactly once.** A claim is *committed* exactly when one of its staged files has a second link (its
/// public name), or its input has left `processing/` for the archive or the quarantine while staged names
/// remain. Both facts are on disk, so `recover()`, run at start by the one daemon that holds the root's lock,
/// reads them and finishes every claim the same way whatever instruction the crash interrupted:
/// - committed, input still in `processing/`: link what is missing under the base the earlier attempt chose
///   (found by inode, so nothing is published twice), then archive as step 5;
/// - committed, input archived or quarantined: link what is missing and remove the staged names;
/// - staged but not committed: remove the staged files; the input, still in `processing/`, is scored again
///   from the start (and staged names whose input is neither claimed nor archived — a claim lost to a power
///   cut, its input back in the inbox — are removed the same way);
/// - claimed, nothing staged: scored again from the start.
/// Publishing is idempotent for the same reason, so a claim whose commit failed midway (a full disk while
/// linking) is finished by `finishCommitted` on its retry, never staged again. Between steps nothing is
/// visible but whole files: public names only ever point at synced files.
///
/// `churnd score` uses the same staging and publishing without claims: `staging(in:stem:)` stages under
/// unique temporary names (not claim names, so a daemon's recovery never mistakes them for its own), and
/// `publish(_:in:)` links, syncs and removes them at once.
package final class OutboxLedger: Sendable {
    /// The folders of the protocol, resolved.
    package struct Folders: Equatable, Sendable {
        package var inbox: String
        package var outbox: String
        /// Claimed inputs being scored: `<claim>.<name>`.
        package var processing: String
        /// Scored inputs: `<claim>.<name>`.
        package var archive: String
        /// Refused inputs, training files and label files, each with a `.reason.txt`.
        package var quarantine: String

        package init(inbox: String, outbox: String, processing: String, archive: String, quarantine: String) {
            self.inbox = inbox
            self.outbox = outbox
            self.processing = processing
            self.archive = archive
            self.quarantine = quarantine
        }
    }

    /// A claimed input: `processing/<id>.<original>`.
    package struct Claim: Equatable, Sendable {
        package var id: ClaimID
        /// The name it was dropped as.
        package var original: String

        package init(id: ClaimID, original: String) {
            self.id = id
            self.original = original
        }

        /// Its name in `processing/`, the archive and the quarantine.
        package var fileName: String { id.fileName(for: original) }
        /// The base of its output names.
        package var stem: String { OutboxLedger.stem(of: original) }

        /// The claim a name in `processing/` stands for, or nil for names that are not claims.
        package init?(fileName: String) {
            guard let (id, original) = ClaimID.parse(fileName: fileName) else { return nil }
            self.init(id: id, original: original)
        }
    }

    package let folders: Folders
    let archiver: ArchiveQueue
    /// Step 3's fsync of the outbox (a test counts the calls).
    private let syncFolder: @Sendable (String) throws -> Void

    /// - Parameter onArchiveError: told when a batch of step 5 cannot be finished; its inputs and staged names
    ///   stay where they are until the next start (their outputs are public already).
    /// - Parameter syncFolder: step 3's fsync of the outbox; only tests pass anything else (to count the calls,
    ///   or to make them fail).
    package init(
        folders: Folders,
        onArchiveError: @escaping @Sendable (_ what: String, _ error: ChurnError) -> Void = { _, _ in },
        syncFolder: @escaping @Sendable (String) throws -> Void = { try FileSystem.fsyncDirectory($0) }
    ) {
        self.folders = folders
        self.archiver = ArchiveQueue(folders: folders, onError: onArchiveError)
        self.syncFolder = syncFolder
    }

    /// The output stem of an input file name: the name without a `.csv` extension.
    package static func stem(of path: String) -> String {
        let name = FileSystem.split(path).name
        if name.lowercased().hasSuffix(".csv") { return String(name.dropLast(4)) }
        return name
    }

    /// Step 1: claims `inbox/<name>`. Nil when it is gone (claimed by an earlier offer, or removed).
    package func claim(_ name: String) throws -> Claim? {
        let claim = Claim(id: .next(), original: name)
        if rename("\(folders.inbox)/\(name)", path(of: claim)) != 0 {
            let code = errno
            if code == ENOENT { return nil }
            throw ChurnError.io(path: "\(folders.inbox)/\(name)", operation: "claim (rename)", errno: code)
        }
        return claim
    }

    /// Where a claimed input is while it is scored.
    package func path(of claim: Claim) -> String { "\(folders.processing)/\(claim.fileName)" }

    /// Step 2 for a claim: its outputs, staged under names that carry the claim id.
    package func staging(for claim: Claim) -> Staging {
        Staging(directory: folders.outbox, stem: claim.stem, claim: claim.id)
    }

    /// Steps 3 and 4: makes the staged names durable, then links each to its public name (the commit). Step 5
    /// follows in the background. Returns the public paths, in `OutputKind` order.
    @discardableResult
    package func commit(_ outputs: StagedOutputs, of claim: Claim) throws -> [String] {
        try commit([(claim: claim, outputs: outputs)])[0].get()
    }

    /// Steps 3 and 4 for claims staged together (group commit, see the type's documentation): one fsync of the
    /// outbox for all, then each claim's links in turn, then step 5 in the background. Returns, for each claim in
    /// order, its public paths (in `OutputKind` order) or why it could not be committed: when the fsync fails,
    /// that error for every claim; when a claim's links fail, its own error (the others go on).
    package func commit(_ batch: [(claim: Claim, outputs: StagedOutputs)]) -> [Result<[String], any Error>] {
        // Step 2's syncs for outputs staged without (a batch's files, written first, synced together here).
        var results: [Result<[String], any Error>?] = batch.map { entry in
            do {
                try entry.outputs.sync()
                return nil
            } catch {
                return .failure(error)
            }
        }
        guard results.contains(where: { $0 == nil }) else { return results.compactMap { $0 } }
        do {
            try syncFolder(folders.outbox)
        } catch {
            return results.map { $0 ?? .failure(error) }
        }
        for (index, (claim, outputs)) in batch.enumerated() where results[index] == nil {
            results[index] = Result {
                let published = try Self.link(outputs, in: folders.outbox)
                archiver.add(archiving(claim.fileName, outputs: outputs))
                return published
            }
        }
        return results.compactMap { $0 }
    }

    /// A claim retried after its commit failed midway (e.g. a full disk while linking) is committed already:
    /// its staged outputs are linked as they are, never staged again (that would rewrite public files). Nil
    /// when the claim is not committed (nothing of it is public yet): then what an earlier attempt staged is
    /// removed, and the claim is scored from the start.
    package func finishCommitted(_ claim: Claim) throws -> [String]? {
        let outputs = StagedOutputs(
            stem: claim.stem,
            files: OutputKind.allCases.map { kind in
                StagedFile(
                    kind: kind,
                    path: "\(folders.outbox)/\(StagedName(claim: claim.id, kind: kind, stem: claim.stem).text)")
            }.filter { FileSystem.exists($0.path) })
        guard outputs.isCommitted else {
            for file in outputs.files { unlink(file.path) }
            return nil
        }
        let published = try Self.link(outputs, in: folders.outbox)
        archiver.add(archiving(claim.fileName, outputs: outputs))
        return published
    }

    /// Returns once every claim committed so far is archived (at shutdown, so `processing/` is left empty).
    package func finishArchiving() async {
        await archiver.finishPending()
    }

    /// What a refusal report says became of the input and what to do.
    package func refusalDisposition(for claim: Claim) -> String {
        "The input was moved to \(quarantinePath(of: claim.fileName)), with a copy of this report beside it "
            + "(\(claim.fileName).reason.txt). Fix the file and drop it into \(folders.inbox)/ again."
    }

    /// Why an entry in `processing/` must not be opened: anything but a regular file with one link.
    package static func refusal(ofEntryAt path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            return info.st_nlink > 1
                ? "has \(info.st_nlink) hard links: another name could change it while it is scored" : nil
        case S_IFLNK: return "is a symbolic link; churnd never follows links in the inbox"
        case S_IFDIR: return "is a directory; drop files, not folders"
        case S_IFIFO: return "is a FIFO; churnd only reads regular files"
        case S_IFCHR, S_IFBLK: return "is a device; churnd only reads regular files"
        case S_IFSOCK: return "is a socket; churnd only reads regular files"
        default: return "is not a regular file"
        }
    }

    /// Step 5 for one claim: where its input goes, and the staged names to remove after.
    func archiving(_ claimed: String, outputs: StagedOutputs) -> ArchiveQueue.Entry {
        ArchiveQueue.Entry(
            claimed: claimed, destination: outputs.isRefusal ? folders.quarantine : folders.archive,
            report: outputs.files.first { $0.kind == .report }?.path, staged: outputs.files.map(\.path))
    }
}
