import ChurnCore
import ChurnTestKit
import Foundation
import Testing

@testable import ChurnDaemon

struct PredictionLogFollowerTests {
    func line(_ k: Int, version: String = "1") -> String {
        #"{"request_id":"\#(k)","model_version":"\#(version)","prediction":0,"probability":0.\#(k % 10),"features":{"tenure_months":\#(k),"num_complaints":1,"avg_session_minutes":30.5,"plan_type":"basic","region":"EU"},"ts":0}"#
            + "\n"
    }

    func append(_ path: String, _ text: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test func readsAppendsOnceAndWaitsForPartialLines() throws {
        let dir = try TemporaryDirectory()
        let log = try dir.write("a.jsonl", line(1) + line(2))
        var follower = PredictionLogFollower(directory: dir.path, schema: .reference, lastN: 100)
        #expect(follower.sync() == 2)
        #expect(follower.sync() == 0)
        let third = line(3)
        try append(log, String(third.prefix(20)))
        #expect(follower.sync() == 0)  // the partial line waits
        try append(log, String(third.dropFirst(20)))
        #expect(follower.sync() == 1)
        #expect(follower.windows.count(version: "1") == 3)
    }

    @Test func aShortFileThatGrowsIsNotReadAgain() throws {
        let dir = try TemporaryDirectory()
        let log = try dir.write("s.jsonl", line(1))
        #expect(line(1).utf8.count < 256)
        var follower = PredictionLogFollower(directory: dir.path, schema: .reference, lastN: 100)
        #expect(follower.sync() == 1)
        try append(log, line(2) + line(3))
        #expect(follower.sync() == 2)
        #expect(follower.windows.count(version: "1") == 3)
    }

    @Test func rotationByRenameIsNotReadTwiceAndTruncationStartsOver() throws {
        let dir = try TemporaryDirectory()
        let log = try dir.write("p.log", line(1) + line(2))
        var follower = PredictionLogFollower(directory: dir.path, schema: .reference, lastN: 100)
        follower.sync()
        // Rotation: the file moves to a name still followed, a new file starts.
        try FileManager.default.moveItem(atPath: log, toPath: "\(dir.path)/p.1.log")
        try dir.write("p.log", line(3))
        #expect(follower.sync() == 1)
        // Truncation in place: read again from the start.
        try dir.write("p.log", line(4))
        #expect(follower.sync() == 1)
        #expect(follower.windows.count(version: "1") == 4)
    }

    @Test func deletedFilesAreForgottenAndSubfoldersFollowed() throws {
        let dir = try TemporaryDirectory()
        try dir.write("service-a/x.jsonl", line(1, version: "2"))
        try dir.write("y.jsonl", line(2, version: "2"))
        try dir.write("ignored.txt", line(3, version: "2"))
        var follower = PredictionLogFollower(directory: dir.path, schema: .reference, lastN: 100)
        #expect(follower.sync() == 2)
        try FileManager.default.removeItem(atPath: "\(dir.path)/y.jsonl")
        #expect(follower.sync() == 0)
        #expect(follower.windows.count(version: "2") == 2)
    }
}
