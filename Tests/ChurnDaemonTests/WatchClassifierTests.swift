import CInotifyTools
import ChurnDaemon
import Testing

struct WatchClassifierTests {
    private func folder(_ mask: Int32, _ name: String, role: WatchRole = .inbox, regular: Bool = true) -> WatchAction {
        WatchClassifier.folderEvent(mask: UInt32(mask), name: name, role: role) { regular }
    }

    @Test func closedAndRenamedFilesAreComplete() {
        #expect(folder(IN_CLOSE_WRITE, "a.csv") == .file("a.csv"))
        #expect(folder(IN_MOVED_TO, "a.csv") == .file("a.csv"))
    }

    @Test func aCreatedRegularFileIsNeverTaken() {
        #expect(folder(IN_CREATE, "a.csv") == .ignore)
        #expect(folder(IN_CREATE, "link.csv", regular: false) == .file("link.csv"))
    }

    @Test(arguments: [".hidden.csv", "a.csv.tmp", "a.csv.part"])
    func hiddenAndPartialNamesAreIgnored(name: String) {
        #expect(folder(IN_CLOSE_WRITE, name) == .ignore)
        #expect(folder(IN_MOVED_TO, name) == .ignore)
    }

    @Test func lostEventsOrAReplacedFolderMeanRewatch() {
        for mask in [IN_Q_OVERFLOW, IN_DELETE_SELF, IN_MOVE_SELF, IN_UNMOUNT, IN_IGNORED] {
            guard case .rewatch = folder(mask, "") else {
                Issue.record("mask \(mask) should rewatch")
                continue
            }
        }
        #expect(
            WatchClassifier.parentEvent(mask: UInt32(IN_CREATE | IN_ISDIR), name: "inbox", children: ["inbox"])
                == .rewatch(reason: "folder inbox appeared"))
        #expect(WatchClassifier.parentEvent(mask: UInt32(IN_CREATE), name: "inbox", children: ["inbox"]) == .ignore)
    }

    @Test func subdirectoriesAreWatchedWhereTheLayoutHasThem() {
        #expect(folder(IN_CREATE | IN_ISDIR, "api", role: .logs) == .watchSubdirectory("api"))
        #expect(folder(IN_MOVED_TO | IN_ISDIR, "folder", role: .inbox) == .file("folder"))
        #expect(folder(IN_CREATE | IN_ISDIR, "x", role: .data) == .ignore)
    }
}
