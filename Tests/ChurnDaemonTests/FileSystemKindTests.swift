import Testing

@testable import ChurnDaemon

struct FileSystemKindTests {
    @Test func networkAndFuseFileSystemsAreRecognised() {
        #expect(FileSystemKind.name(ofMagic: 0x6969) == "NFS")
        #expect(FileSystemKind.name(ofMagic: 0x6573_5546) == "FUSE")
        #expect(FileSystemKind.name(ofMagic: 0xFF53_4D42) == "CIFS")
        #expect(FileSystemKind.name(ofMagic: 0xEF53) == nil)
    }
}
