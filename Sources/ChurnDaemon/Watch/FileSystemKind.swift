import CInotifyTools

/// Tells file systems inotify cannot fully see (changes made by other machines never raise events) from the
/// rest, by `statfs` f_type.
package enum FileSystemKind {
    /// A human name for an unwatchable file system at `path`, or nil when inotify works there.
    package static func unwatchable(at path: String) -> String? {
        var info = statfs()
        guard statfs(path, &info) == 0 else { return nil }
        return name(ofMagic: UInt64(UInt(bitPattern: Int(info.f_type))))
    }

    static func name(ofMagic magic: UInt64) -> String? {
        switch magic & 0xFFFF_FFFF {
        case 0x6969: "NFS"
        case 0xFF53_4D42: "CIFS"
        case 0xFE53_4D42: "SMB2"
        case 0x517B: "SMB"
        case 0x6573_5546: "FUSE"
        case 0x0102_1997: "9p"
        case 0x00C3_6400: "CephFS"
        case 0x0BD0_0BD0: "Lustre"
        case 0x4750_4653: "GPFS"
        default: nil
        }
    }
}
