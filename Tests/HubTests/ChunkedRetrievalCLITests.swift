import EmbedKit
import EmbedKitEvaluation
import Foundation
import EmbedKitTestFixtures
import Testing

/// `embedkit eval retrieval --chunking truncate|independent|late --chunk-tokens N` on a corpus of long
/// documents made from a fixture's golden texts, against the same evaluation computed in-process from
/// the library's `chunk` (a document scores its best chunk).
@Suite(.enabled(if: CLI.binary != nil, "the embedkit executable is not built (swift build --product embedkit)"))
struct ChunkedRetrievalCLITests {
    @Test func chunkedRetrievalMatchesTheLibrary() async throws {
        let folder = FixtureLocator.model("jina-v2-tiny-en")!
        let golden = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("golden.json"))) as! [String: Any]
        let texts = (golden["cases"] as! [[String: Any]]).map { $0["text"] as! String }
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty && $0.count < 400 }
        let docs = (0..<6).map { d in texts[(d * 6)..<(d * 6 + 6)].joined(separator: " ") }
        let queries = (0..<6).map { (id: "q\($0)", text: texts[$0 * 6 + 2]) }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("retrieval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func jsonl(_ rows: [[String: String]], _ name: String) throws -> String {
            let lines = try rows.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
            let url = dir.appendingPathComponent(name)
            try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        let corpusPath = try jsonl(docs.enumerated().map { ["_id": "d\($0.offset)", "text": $0.element] }, "corpus.jsonl")
        let queriesPath = try jsonl(queries.map { ["_id": $0.id, "text": $0.text] }, "queries.jsonl")
        let qrelsPath = dir.appendingPathComponent("qrels.tsv").path
        try (0..<6).map { "q\($0)\td\($0)\t1\n" }.joined().write(toFile: qrelsPath, atomically: true, encoding: .utf8)

        let model = try EmbeddingModel.load(folder: folder, threads: 2)
        let data = RetrievalData(corpus: docs.enumerated().map { .init(id: "d\($0.offset)", text: $0.element) },
                                 queries: queries, qrels: Dictionary(uniqueKeysWithValues: (0..<6).map { ("q\($0)", ["d\($0)": 1]) }))
        let cache = EmbeddingCache { try model.encode($0) }
        var scores: [String: Double] = [:]
        for mode in ["truncate", "independent", "late"] {
            var arguments = ["eval", "retrieval", "--model", folder.path, "--corpus", corpusPath, "--queries", queriesPath,
                             "--qrels", qrelsPath, "--chunking", mode]
            if mode != "truncate" { arguments += ["--chunk-tokens", "16"] }
            let r = try await CLI.run(arguments, environment: [:])
            #expect(r.status == 0, "\(mode): \(r.stderr)")
            let got = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])

            let want: ResultJSON
            if mode == "truncate" {
                want = try RetrievalEvaluation.evaluate(data, cache: cache)
            } else {
                let chunking = ChunkingOptions(chunkTokens: 16, pooling: mode == "late" ? .late : .independent)
                want = try RetrievalEvaluation.evaluate(data, cache: cache, chunks: { texts in
                    try model.chunk(texts, chunking: chunking).map { $0.map(\.embedding) }
                })
            }
            for key in ["ndcg_at_10", "map_at_10", "recall_at_3", "mrr_at_10"] {
                #expect((got[key] as? NSNumber)?.doubleValue == want[key]?.double, "\(mode) \(key)")
            }
            scores[mode] = (got["ndcg_at_10"] as? NSNumber)?.doubleValue
        }
        // Chunks of 16 tokens find the sentence inside a ~100-token document better than one vector.
        #expect(scores["late"]! > scores["truncate"]! && scores["independent"]! > scores["truncate"]!, "\(scores)")

        let missing = try await CLI.run(["eval", "retrieval", "--model", folder.path, "--corpus", corpusPath, "--queries", queriesPath,
                                          "--qrels", qrelsPath, "--chunking", "late"], environment: [:])
        #expect(missing.status != 0 && missing.stderr.contains("--chunk-tokens"), "\(missing.stderr)")
    }
}
