// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "churnd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "churnd", targets: ["churnd"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CXGBoost",
            pkgConfig: "xgboost",
            providers: [.apt(["libxgboost-dev"])]
        ),
        .target(
            name: "ChurnCore",
            dependencies: [
                "CXGBoost",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .target(
            name: "ChurnStore",
            dependencies: [
                "ChurnCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .systemLibrary(name: "CInotifyTools"),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .target(
            name: "ChurnDaemon",
            dependencies: [
                "ChurnCore",
                "ChurnStore",
                "CInotifyTools",
                "CSystemd",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "churnd",
            dependencies: [
                "ChurnCore",
                "ChurnStore",
                "ChurnDaemon",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "ChurnTestKit", dependencies: ["ChurnCore"], path: "Tests/ChurnTestKit"),
        .testTarget(
            name: "ChurnCoreTests",
            dependencies: ["ChurnCore", "ChurnTestKit"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "ChurnStoreTests",
            dependencies: [
                "ChurnCore",
                "ChurnStore",
                "ChurnTestKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ChurnDaemonTests",
            dependencies: ["ChurnDaemon", "ChurnCore", "ChurnStore", "ChurnTestKit", "CInotifyTools"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["ChurnCore", "ChurnStore", "ChurnTestKit"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (fuzz/), only with CHURND_FUZZ=1 (`make fuzz`): they have no main (libFuzzer brings it),
// so the normal build must not see them.
if Context.environment["CHURND_FUZZ"] == "1" {
    for name in ["FuzzCSVReader", "FuzzConfigTOML", "FuzzPredictionRecord", "FuzzLabelBatch"] {
        package.targets.append(.executableTarget(name: name, dependencies: ["ChurnCore"], path: "fuzz/\(name)"))
    }
}

// Upcoming language features every Swift target builds with: `any` spelled out for existentials, and a
// member usable only in files that import its module.
for target in package.targets where target.type != .system {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .enableUpcomingFeature("ExistentialAny"),
            .enableUpcomingFeature("MemberImportVisibility"),
        ]
}
