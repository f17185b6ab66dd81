// swift-tools-version:6.0
import PackageDescription

// Stands in for huggingface/swift-transformers: the same module names, none of its code.
let package = Package(
    name: "lookalike",
    products: [.library(name: "Transformers", targets: ["Hub", "Tokenizers", "Models"])],
    targets: [
        .target(name: "Hub"),
        .target(name: "Tokenizers"),
        .target(name: "Models"),
    ]
)
