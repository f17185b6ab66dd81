import Foundation
import Testing
import EmbedKitFormats

/// pytorch_model.bin (torch.save zip archives) against values torch itself loaded
/// (scripts/formats_reference.py).
@Suite struct PyTorchArchiveTests {
    @Test(arguments: [
        "dmeta-tiny/pytorch_model.bin",
        "zpoint-tiny/pytorch_model.bin",
        "zpoint-tiny/2_Dense/pytorch_model.bin",
    ])
    func modelFixtureMatchesTorch(_ relative: String) throws {
        let (store, skipped) = try PyTorchArchive.loadReporting(Fixtures.url(relative))
        let reference = try Reference.file(relative)
        #expect(store.tensors.count == reference.tensors.count)
        #expect(skipped.sorted() == reference.skipped)
        expectMatches(store, reference)
    }

    @Test func zpointDenseLayer() throws {
        let store = try PyTorchArchive.load(Fixtures.url("zpoint-tiny/2_Dense/pytorch_model.bin"))
        #expect(store.names == ["linear.bias", "linear.weight"])
        // 2_Dense is 64 → 112 (sentence-transformers Dense: weight [out, in]).
        #expect(try store.require("linear.weight", shape: [112, 64]).dtype == .float32)
        #expect(try store.require("linear.bias", shape: [112]).dtype == .float32)
    }

    @Test func exactNamesAndFolderLoading() throws {
        // dmeta-tiny has no model.safetensors: TensorStore.load(folder:) must use pytorch_model.bin.
        let store = try TensorStore.load(folder: Fixtures.url("dmeta-tiny"))
        // Names are looked up exactly as stored: a model family resolves its own prefixes (WeightLoader).
        let stored = try #require(store.names.first { $0.hasSuffix("embeddings.word_embeddings.weight") })
        let plain = try #require(store.tensor(stored))
        let other = stored.hasPrefix("bert.") ? String(stored.dropFirst(5)) : "bert." + stored
        #expect(store.tensor(other) == nil)
        #expect(plain.shape.count == 2 && plain.shape[1] == 48)
        expectFormatError(.shapeMismatch, mentioning: ["embeddings.word_embeddings.weight"]) {
            try store.require(stored, shape: [1, 48])
        }
        expectFormatError(.missingTensor, mentioning: ["pooler.nonexistent"]) { try store.require("pooler.nonexistent") }
    }

    /// Views over one shared storage (offsets, transposed, strided, broadcast), fp16, bf16, a
    /// Parameter, an empty and a 0-dim tensor, OrderedDict `_metadata` (BUILD); every value is
    /// compared with torch's.
    @Test func viewsSharedStoragesAndDTypes() throws {
        let (store, skipped) = try PyTorchArchive.loadReporting(Fixtures.url("formats/views.bin"))
        let reference = try Reference.file("formats/views.bin")
        expectMatches(store, reference)
        #expect(skipped == ["position_ids"])  // int64 buffer: recognised, not loaded
        #expect(store.tensors["half"]?.dtype == .float16)
        #expect(store.tensors["bf16"]?.dtype == .bfloat16)
        #expect(store.tensors["scalar"]?.shape == [])
        #expect(store.tensors["empty"]?.shape == [0, 4])
        // The transposed view really is the transpose of `base`.
        let base = try #require(store.tensors["base"]).floats()
        let transposed = try #require(store.tensors["base_t"]).floats()
        for r in 0..<4 { for c in 0..<6 { #expect(transposed[c * 4 + r] == base[r * 6 + c]) } }
    }

    /// torch.save(..., pickle_protocol=4) of the same state_dict: FRAME, MEMOIZE,
    /// SHORT_BINUNICODE and STACK_GLOBAL instead of BINPUT / BINUNICODE / GLOBAL.
    @Test func protocol4Pickle() throws {
        let (store, skipped) = try PyTorchArchive.loadReporting(Fixtures.url("formats/views_protocol4.bin"))
        expectMatches(store, try Reference.file("formats/views.bin"))
        #expect(skipped == ["position_ids"])
    }

    @Test func legacyFormatIsRefused() {
        expectFormatError(.unsupported, mentioning: ["legacy", "torch < 1.6"]) {
            try PyTorchArchive.load(Fixtures.url("formats/legacy.bin"))
        }
    }

    @Test func torchScriptArchiveIsRefused() {
        expectFormatError(.unsupported, mentioning: ["TorchScript"]) {
            try PyTorchArchive.load(Fixtures.url("formats/torchscript.bin"))
        }
    }

    @Test func osSystemInArchiveIsRefused() {
        expectFormatError(.unsupported, mentioning: ["'os.system'", "evil_os_system.bin", "data.pkl"]) {
            try PyTorchArchive.load(Fixtures.url("formats/evil_os_system.bin"))
        }
    }

    @Test func wrongStorageSize() {
        expectFormatError(.malformed, mentioning: ["views/data/0", "needs"]) {
            try PyTorchArchive.load(Fixtures.url("formats/wrong_storage_size.bin"))
        }
    }

    @Test func missingStorage() {
        expectFormatError(.malformed, mentioning: ["views/data/0", "missing"]) {
            try PyTorchArchive.load(Fixtures.url("formats/missing_storage.bin"))
        }
    }

    @Test func bigEndianIsRefused() {
        expectFormatError(.unsupported, mentioning: ["byteorder", "big"]) {
            try PyTorchArchive.load(Fixtures.url("formats/big_endian.bin"))
        }
    }

    @Test func notFoundEmptyAndNonZipFiles() throws {
        expectFormatError(.fileNotFound) { try PyTorchArchive.load(Fixtures.url("formats/no-such-file.bin")) }
        expectFormatError(.malformed, mentioning: ["not a zip"]) {
            try Fixtures.withTemporaryFile(Data()) { try PyTorchArchive.load($0) }
        }
        expectFormatError(.malformed, mentioning: ["not a zip"]) {
            try Fixtures.withTemporaryFile(Data("{\"not\": \"weights\"}".utf8)) { try PyTorchArchive.load($0) }
        }
        expectFormatError(.unsupported, mentioning: ["bare pickle"]) {
            try Fixtures.withTemporaryFile(try Fixtures.data("formats/dense_data.pkl")) { try PyTorchArchive.load($0) }
        }
    }

    /// A torch.save archive cut short anywhere (the central directory is at the end) is refused.
    @Test func truncatedArchive() throws {
        let full = try Fixtures.data("zpoint-tiny/2_Dense/pytorch_model.bin")
        for length in [2, 4, 30, 200, full.count / 2, full.count - 200, full.count - 23, full.count - 1] {
            expectFormatError(.malformed) {
                try Fixtures.withTemporaryFile(full.prefix(length)) { try PyTorchArchive.load($0) }
            }
        }
    }

    /// One flipped byte inside a storage record is caught by the CRC-32 check.
    @Test func corruptedStorageBytes() throws {
        var bytes = try Fixtures.data("zpoint-tiny/2_Dense/pytorch_model.bin")
        // The storage data/0 (7168 floats) fills most of the file; flip a byte in its middle.
        bytes[bytes.startIndex + 10_000] ^= 0x40
        expectFormatError(.malformed, mentioning: ["CRC-32"]) {
            try Fixtures.withTemporaryFile(bytes) { try PyTorchArchive.load($0) }
        }
    }

    /// Damage anywhere in a small archive gives a FormatError or a valid load — never a crash or
    /// another error type.
    @Test func damagedArchiveNeverCrashes() throws {
        let full = try Fixtures.data("formats/views.bin")
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("damaged.bin")
        var failures = 0
        for position in stride(from: 0, to: full.count, by: 7) {
            var bytes = full
            bytes[bytes.startIndex + position] ^= 0xA5
            try bytes.write(to: url)
            do {
                _ = try PyTorchArchive.load(url)
            } catch {
                failures += 1
                #expect(kind(of: error) != nil, "byte \(position): \(type(of: error)) \(error)")
            }
        }
        #expect(failures > 0)
    }
}
