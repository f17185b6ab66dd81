// swift-tools-version:6.0
import PackageDescription

// An app that uses EmbedKit beside a package with swift-transformers' module names. The script links
// the EmbedKit checkout here as `embedkit`.
let package = Package(
    name: "Consumer",
    platforms: [.macOS(.v14), .iOS(.v17)],
    dependencies: [
        .package(path: "embedkit"),
        .package(path: "lookalike"),
    ],
    targets: [
        .executableTarget(name: "Consumer", dependencies: [
            .product(name: "EmbedKit", package: "embedkit"),
            .product(name: "Transformers", package: "lookalike"),
        ]),
    ]
)
