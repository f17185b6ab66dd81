import EmbedKitFormats
import Foundation
import EmbedKitModels
import EmbedKitPipeline
import EmbedKitTokenizers

/// Fuzz targets: each takes arbitrary bytes and must return (loaders may throw), never crash, hang or
/// allocate without bound. Driven by libFuzzer (`scripts/fuzz.sh`, the `embedkit-fuzz` executable built
/// with `-sanitize=fuzzer`) and replayed over the saved corpora by `FuzzTests`.
public enum FuzzHarness {
    /// Target names, as `EMBEDKIT_FUZZ_TARGET` and the corpus folders under Tests/Fuzz name them.
    public static let targets = ["safetensors", "pytorch-zip", "tokenizer-json", "tokenize", "config-json", "modules-json"]

    /// Runs `target` on `data`.
    public static func run(_ target: String, _ data: Data) {
        switch target {
        case "safetensors": _ = try? SafeTensors.parse(data, file: "fuzz.safetensors")
        case "pytorch-zip": pytorch(data)
        case "tokenizer-json": tokenizerJSON(data)
        case "tokenize": tokenize(data)
        case "config-json": config(data)
        case "modules-json": modules(data)
        default: fatalError("unknown fuzz target \(target); one of \(targets)")
        }
    }

    /// Removes this process's scratch folder (the files the loaders read).
    public static func removeScratch() {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// A scratch folder of this process.
    static let scratch: URL = {
        FileManager.default.temporaryDirectory.appendingPathComponent("embedkit-fuzz-\(getpid())")
    }()

    /// The package's Tests/Fixtures, found from this file's path (fixtures are read, never written).
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tests/Fixtures")

    /// pytorch_model.bin: the zip reader, then the restricted unpickler and tensor rebuild.
    static func pytorch(_ data: Data) {
        try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let url = scratch.appendingPathComponent("pytorch_model.bin")
        guard (try? data.write(to: url)) != nil else { return }
        _ = try? PyTorchArchive.load(url)
    }

    /// tokenizer.json loading; a loaded tokenizer also encodes and decodes a few texts.
    static func tokenizerJSON(_ data: Data) {
        let folder = scratch.appendingPathComponent("tokenizer")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard (try? data.write(to: folder.appendingPathComponent("tokenizer.json"))) != nil,
              let tokenizer = try? Tokenizer.load(from: folder) else { return }
        for text in ["Hello world", "北京 über 🍕", ""] {
            let e = tokenizer.encode(text, maxLength: 64)
            _ = tokenizer.decode(e.ids)
        }
    }

    /// Real tokenizers of the fixtures (WordPiece, BPE, Unigram families) over arbitrary text.
    static let tokenizers: [Tokenizer] = {
        let names = ["dmeta-tiny", "jina-v2-tiny-en", "jina-v2-tiny-zh", "jina-v2-tiny-de", "zpoint-tiny"]
        var out = names.compactMap { try? Tokenizer.load(from: fixtures.appendingPathComponent($0)) }
        let more = fixtures.appendingPathComponent("tokenizers")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: more.path))?.sorted() ?? [] {
            if let t = try? Tokenizer.load(from: more.appendingPathComponent(name)) { out.append(t) }
        }
        return out
    }()

    static func tokenize(_ data: Data) {
        let text = String(decoding: data, as: UTF8.self)
        for tokenizer in tokenizers {
            let e = tokenizer.encode(text, maxLength: 512)
            _ = tokenizer.decode(e.ids, skipSpecialTokens: false)
        }
    }

    /// config.json: JSON, then the architecture's settings checked.
    static func config(_ data: Data) {
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return }
        _ = try? TransformerConfig.parse(json, file: "config.json")
    }

    /// modules.json (and the pipeline it names) in a copy of a small model folder.
    static func modules(_ data: Data) {
        let folder = scratch.appendingPathComponent("model")
        try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let source = fixtures.appendingPathComponent("jina-v2-tiny-en")
        if !FileManager.default.fileExists(atPath: folder.path) {
            try? FileManager.default.copyItem(at: source, to: folder)
        }
        guard (try? data.write(to: folder.appendingPathComponent("modules.json"))) != nil else { return }
        _ = try? SentenceTransformer(folder: folder, threads: 1)
    }
}
