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
        .target(name: "ChurnStore", dependencies: ["ChurnCore"]),
        .executableTarget(
            name: "churnd",
            dependencies: [
                "ChurnCore",
                "ChurnStore",
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
            name: "EndToEndTests",
            dependencies: ["ChurnCore", "ChurnTestKit"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
