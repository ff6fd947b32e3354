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
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.20.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // XGBoost's C API, opened on first use (see its header): churnd does not link libxgboost.
        .target(name: "CXGBoost"),
        .target(name: "CTreeWalk"),
        .target(
            name: "ChurnCore",
            dependencies: [
                "CXGBoost",
                "CTreeWalk",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .systemLibrary(name: "CLinux"),
        .target(
            name: "ChurnStore",
            dependencies: [
                "ChurnCore",
                "CLinux",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "ChurnMLflow",
            dependencies: [
                "ChurnCore",
                "ChurnStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ChurnServe",
            dependencies: [
                "ChurnCore",
                "ChurnStore",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
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
                "ChurnMLflow",
                "CInotifyTools",
                "CSystemd",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .executableTarget(
            name: "churnd",
            dependencies: [
                "ChurnCore",
                "ChurnStore",
                "ChurnDaemon",
                "ChurnServe",
                "ChurnMLflow",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
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
            name: "ChurnServeTests",
            dependencies: [
                "ChurnServe",
                "ChurnDaemon",
                "ChurnCore",
                "ChurnStore",
                "ChurnTestKit",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ]
        ),
        .testTarget(
            name: "MLflowTests",
            dependencies: [
                "ChurnMLflow", "ChurnCore", "ChurnStore", "ChurnTestKit", .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["ChurnCore", "ChurnStore", "ChurnTestKit"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (fuzz/), only with CHURND_FUZZ=1 (`make fuzz`): they have no main (libFuzzer brings it),
// so the normal build must not see them. The fuzz build holds nothing else but ChurnCore (what they fuzz), so one
// `swift build` builds all four at once: building them one `--product` at a time rebuilt every C and Swift
// dependency (BoringSSL, TOMLKit) for each target.
if Context.environment["CHURND_FUZZ"] == "1" {
    package.products = []
    package.targets.removeAll { !["CXGBoost", "CTreeWalk", "ChurnCore"].contains($0.name) }
    // Only ChurnCore's packages: the others would be fetched for nothing, each with an "is not used by any
    // target" warning.
    package.dependencies.removeAll { dependency in
        guard case .sourceControl(_, let location, _) = dependency.kind else { return false }
        return !["/swift-crypto.git", "/TOMLKit.git"].contains { location.hasSuffix($0) }
    }
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
