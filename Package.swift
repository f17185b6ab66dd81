// swift-tools-version:6.1
import PackageDescription

// EmbedKit: Hugging Face sentence-embedding models in Swift.
// Data path: Tokenizers → Formats → Compute → Models → Pipeline → EmbedKit → CLI / server.
let package = Package(
    name: "EmbedKit",
    platforms: [.macOS(.v14), .iOS(.v17), .tvOS(.v17), .visionOS(.v1)],
    products: [
        .library(name: "EmbedKit", targets: ["EmbedKit"]),
        .library(name: "EmbedKitTokenizers", targets: ["EmbedKitTokenizers"]),
        .library(name: "EmbedKitEvaluation", targets: ["EmbedKitEvaluation"]),
        .library(name: "EmbedKitServer", targets: ["EmbedKitServer"]),
        .executable(name: "embedkit", targets: ["embedkit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        // One trait each for Hummingbird and swift-otel (their defaults enable two): SwiftPM writes the
        // defines of several traits in a random order, which makes every other build recompile the
        // module (README, "Two commands"). OTLP over HTTP only: the gRPC exporter's dependencies are
        // the largest part of the CLI's build.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.60.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.1.0"),
        // OTLP export of the server's traces, bootstrapped by the CLI only when asked for.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // HF tokenizers: normalizer → pre-tokenizer → model → post-processor. No engine dependency.
        .target(name: "EmbedKitTokenizers"),
        // Weight files: safetensors and PyTorch zip archives (restricted unpickler).
        .target(name: "EmbedKitFormats", dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        // ISA-specific kernels: function-level target attributes + runtime CPU dispatch.
        .target(name: "EmbedKitCKernels"),
        // The only place with SIMD and threads: GEMM, attention, fused elementwise ops.
        .target(name: "EmbedKitCompute", dependencies: ["EmbedKitCKernels"]),
        // Transformer encoders: BERT, JinaBERT.
        .target(name: "EmbedKitModels", dependencies: ["EmbedKitFormats", "EmbedKitCompute"]),
        // sentence-transformers modules: Transformer → Pooling → Dense → Normalize.
        .target(name: "EmbedKitPipeline", dependencies: ["EmbedKitFormats", "EmbedKitCompute", "EmbedKitModels"]),
        // Hugging Face Hub: ids, standard cache, offline mode.
        .target(name: "EmbedKitHub", dependencies: [
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Public API: text preparation, batching, post-processing, one error type.
        .target(name: "EmbedKit", dependencies: [
            "EmbedKitTokenizers", "EmbedKitFormats", "EmbedKitCompute", "EmbedKitModels", "EmbedKitPipeline", "EmbedKitHub",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // MTEB 1.1.1-compatible metrics. Needs only an embedding function.
        .target(name: "EmbedKitEvaluation"),
        // OpenAI- and TEI-compatible HTTP server.
        .target(name: "EmbedKitServer", dependencies: [
            "EmbedKit",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Tracing", package: "swift-distributed-tracing"),
        ]),
        .executableTarget(name: "embedkit", dependencies: [
            "EmbedKit", "EmbedKitCompute", "EmbedKitEvaluation", "EmbedKitServer", "EmbedKitHub",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "OTel", package: "swift-otel"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // Fuzz targets (loaders, tokenizers, configs) for libFuzzer: scripts/fuzz.sh; replayed by FuzzTests.
        .target(name: "EmbedKitFuzzHarness", dependencies: ["EmbedKitFormats", "EmbedKitTokenizers", "EmbedKitModels", "EmbedKitPipeline"]),
        .executableTarget(name: "embedkit-fuzz", dependencies: ["EmbedKitFuzzHarness"]),

        // The one fixture locator of every test target (Tests/Fixtures and ../shared, relative to the package).
        .target(name: "EmbedKitTestFixtures", path: "Tests/EmbedKitTestFixtures"),
        .testTarget(name: "TokenizersTests", dependencies: ["EmbedKitTokenizers", "EmbedKitTestFixtures"]),
        .testTarget(name: "FormatsTests", dependencies: ["EmbedKitFormats", "EmbedKitTestFixtures"]),
        .testTarget(name: "ComputeTests", dependencies: ["EmbedKitCompute"]),
        .testTarget(name: "FuzzTests", dependencies: ["EmbedKitFuzzHarness", "EmbedKitTestFixtures"]),
        .testTarget(name: "EmbedKitTests", dependencies: ["EmbedKit", "EmbedKitPipeline", "EmbedKitModels", "EmbedKitFormats", "EmbedKitTestFixtures"]),
        .testTarget(name: "EvaluationTests", dependencies: ["EmbedKitEvaluation", "EmbedKitTestFixtures"]),
        .testTarget(name: "HubTests", dependencies: [
            "EmbedKitHub", "EmbedKit", "EmbedKitEvaluation", "EmbedKitTestFixtures",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .testTarget(name: "ServerTests", dependencies: [
            "EmbedKitServer", "EmbedKit", "EmbedKitTestFixtures",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
    ],
    swiftLanguageModes: [.v5]
)
