import Foundation
import Testing
import Tokenizers

/// Prints single-core tokenization throughput on the STS sentences (no timing assertion: the figure
/// depends on the machine and on the build mode; measure in release mode).
@Suite struct ThroughputTests {
    static func stsSentences(_ language: String) -> [String] {
        let candidates = [
            Fixtures.repoRoot.deletingLastPathComponent().appendingPathComponent("shared/data/sts"),
            URL(fileURLWithPath: "/work/shared/data/sts"),
        ]
        guard let dir = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }),
              let data = FileManager.default.contents(atPath: dir.appendingPathComponent("stsb-\(language)-train.jsonl").path)
        else { return [] }
        var out: [String] = []
        for line in data.split(separator: UInt8(ascii: "\n")) {
            if let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
               let s = obj["sentence1"] as? String { out.append(s) }
        }
        return out
    }

    @Test(arguments: [("jina-v2-tiny-en", "en"), ("jina-v2-tiny-zh", "zh"), ("jina-v2-tiny-de", "en"), ("zpoint-tiny", "zh")])
    func singleCoreThroughput(_ model: String, _ language: String) throws {
        let texts = Self.stsSentences(language)
        guard !texts.isEmpty else { print("skipped: STS data not found"); return }
        let t = try Tokenizer.load(from: Fixtures.folder(model))
        let chars = texts.reduce(0) { $0 + $1.unicodeScalars.count }
        var tokens = 0
        let start = Date()
        for s in texts { tokens += t.encode(s).ids.count }
        let seconds = Date().timeIntervalSince(start)
        #expect(tokens > texts.count * 2)
        print(String(format: "throughput %@ on STS-%@: %d chars, %d tokens, %.3f s, %.2f M chars/s (one core)",
                     model, language, chars, tokens, seconds, Double(chars) / seconds / 1e6))
    }
}
