import Foundation
import Testing
import EmbedKitFormats

/// model.safetensors against values the `safetensors` Python package read
/// (scripts/formats_reference.py), and hand-built damaged files.
@Suite struct SafeTensorsTests {
    @Test(arguments: [
        ("jina-v2-tiny-en/model.safetensors", DType.float32),
        ("jina-v2-tiny-zh/model.safetensors", DType.float16),
        ("jina-v2-tiny-de/model.safetensors", DType.float16),
    ])
    func fixtureMatchesSafetensors(_ relative: String, dtype: DType) throws {
        let store = try SafeTensors.load(Fixtures.url(relative))
        let reference = try Reference.file(relative)
        #expect(store.tensors.count == reference.tensors.count)
        #expect(store.tensors.values.allSatisfy { $0.dtype == dtype })
        expectMatches(store, reference)
    }

    @Test func folderLoadingPrefersSafetensors() throws {
        let store = try TensorStore.load(folder: Fixtures.url("jina-v2-tiny-zh"))
        #expect(store.file.hasSuffix("model.safetensors"))
        // F16 is stored as raw half bits; floats() widens them exactly.
        let t = try #require(store.tensors.values.first { $0.count > 0 })
        let widened = t.halfBits().map(HalfFloatTests.definition)
        #expect(widened == t.floats())
    }

    /// Dropping a copied tensor's mapped pages must not change what the file reads as: the pages come
    /// back from the file. In-memory data is never marked file-mapped (dropping it would zero it).
    @Test func releasedPagesReadBackFromTheFile() throws {
        let url = Fixtures.url("jina-v2-tiny-en/model.safetensors")
        let store = try SafeTensors.load(url)
        let before = store.tensors.mapValues { $0.floats() }
        for t in store.tensors.values {
            #expect(t.isFileMapped)
            t.releasePages()
        }
        for (name, t) in store.tensors { #expect(t.floats() == before[name], "\(name)") }
        let inMemory = try SafeTensors.parse(Data(contentsOf: url), file: url.path)
        #expect(inMemory.tensors.values.allSatisfy { !$0.isFileMapped })
        for t in inMemory.tensors.values { t.releasePages() }
        for (name, t) in inMemory.tensors { #expect(t.floats() == before[name], "\(name)") }
    }

    /// The real all-MiniLM-L6-v2 carries an I64 `embeddings.position_ids` buffer: it is skipped,
    /// the F32 weights load.
    @Test(.enabled(if: Fixtures.miniLM != nil, "needs ../shared/fixtures/all-MiniLM-L6-v2"))
    func realMiniLMWithInt64Buffer() throws {
        let store = try SafeTensors.load(try #require(Fixtures.miniLM).appendingPathComponent("model.safetensors"))
        #expect(store.tensor("embeddings.position_ids") == nil)
        #expect(try store.require("embeddings.word_embeddings.weight", shape: [30522, 384]).dtype == .float32)
        #expect(try store.require("encoder.layer.5.output.LayerNorm.weight", shape: [384]).dtype == .float32)
    }

    // MARK: - Hand-built files

    /// `header` as the JSON header, `payload` after it; `declaredLength` overrides the length field.
    static func file(_ header: String, payload: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
        let h = Array(header.utf8)
        var d = Data()
        withUnsafeBytes(of: (declaredLength ?? UInt64(h.count)).littleEndian) { d.append(contentsOf: $0) }
        d.append(contentsOf: h)
        d.append(contentsOf: payload)
        return d
    }

    static func parse(_ data: Data) throws -> TensorStore { try SafeTensors.parse(data, file: "test.safetensors") }

    @Test func validFileOfEachDType() throws {
        // F32 [1.5, -2], F16 [1, -0.5] (0x3C00, 0xB800), BF16 [3] (0x4040), I64 [7] skipped.
        let payload: [UInt8] = [0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x3C, 0x00, 0xB8, 0x40, 0x40,
                                7, 0, 0, 0, 0, 0, 0, 0]
        let header = """
        {"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},\
        "h":{"dtype":"F16","shape":[1,2],"data_offsets":[8,12]},"b":{"dtype":"BF16","shape":[],"data_offsets":[12,14]},\
        "ids":{"dtype":"I64","shape":[1],"data_offsets":[14,22]}}
        """
        let store = try Self.parse(Self.file(header, payload: payload))
        #expect(store.names == ["a", "b", "h"])
        #expect(store.tensors["a"]?.floats() == [1.5, -2])
        #expect(store.tensors["h"]?.floats() == [1, -0.5])
        #expect(store.tensors["h"]?.shape == [1, 2])
        #expect(store.tensors["b"]?.floats() == [3])
    }

    @Test func shorterThanTheLengthField() {
        expectFormatError(.malformed, mentioning: ["8-byte header length"]) { try Self.parse(Data([1, 0, 0])) }
    }

    @Test func headerLengthLargerThanFile() {
        expectFormatError(.malformed, mentioning: ["exceeds the file size"]) {
            try Self.parse(Self.file("{}", declaredLength: 4096))
        }
        expectFormatError(.malformed, mentioning: ["exceeds the file size"]) {
            try Self.parse(Self.file("{}", declaredLength: UInt64.max))
        }
    }

    @Test func headerIsNotJSON() {
        expectFormatError(.malformed, mentioning: ["not a JSON object"]) { try Self.parse(Self.file("{\"a\": [1, 2")) }
        expectFormatError(.malformed, mentioning: ["not a JSON object"]) { try Self.parse(Self.file("[1, 2]")) }
        expectFormatError(.malformed, mentioning: ["not a JSON object"]) { try Self.parse(Self.file("\u{FF}\u{FE}")) }
    }

    @Test func offsetsOutOfRange() {
        let outside = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        expectFormatError(.malformed, mentioning: ["'w'", "outside the file"]) {
            try Self.parse(Self.file(outside, payload: [0, 0, 0, 0]))
        }
        let reversed = #"{"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#
        expectFormatError(.malformed, mentioning: ["outside the file"]) {
            try Self.parse(Self.file(reversed, payload: [0, 0, 0, 0]))
        }
        for bad in ["-4", "1.5", "1e30", "18446744073709551615", "\"0\""] {
            let h = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[\#(bad),4]}}"#
            expectFormatError(.malformed, mentioning: ["'w'"]) { try Self.parse(Self.file(h, payload: [0, 0, 0, 0])) }
        }
    }

    @Test func sizeDisagreesWithShape() {
        let h = #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,8]}}"#
        expectFormatError(.malformed, mentioning: ["'w'", "needs"]) { try Self.parse(Self.file(h, payload: Array(repeating: 0, count: 8))) }
        let overflow = #"{"w":{"dtype":"F32","shape":[1000000000,1000000000,1000000000],"data_offsets":[0,8]}}"#
        expectFormatError(.malformed, mentioning: ["'w'"]) { try Self.parse(Self.file(overflow, payload: Array(repeating: 0, count: 8))) }
        let negative = #"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#
        expectFormatError(.malformed, mentioning: ["invalid shape"]) { try Self.parse(Self.file(negative)) }
    }

    @Test func unknownDType() {
        let h = #"{"w":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}"#
        expectFormatError(.unsupported, mentioning: ["'w'", "Q7"]) { try Self.parse(Self.file(h, payload: [0, 0, 0, 0])) }
    }

    @Test func entryWithoutOffsets() {
        let h = #"{"w":{"dtype":"F32","shape":[1]}}"#
        expectFormatError(.malformed, mentioning: ["'w'", "data_offsets"]) { try Self.parse(Self.file(h, payload: [0, 0, 0, 0])) }
    }

    @Test func missingFile() {
        expectFormatError(.fileNotFound) { try SafeTensors.load(Fixtures.url("formats/none.safetensors")) }
    }
}
