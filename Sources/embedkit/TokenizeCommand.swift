import ArgumentParser
import Foundation
import Tokenizers

/// `embedkit tokenize --model <folder> [--input FILE.jsonl | TEXT ...] [--max-length N]`: one JSON array of
/// token ids per input (special tokens included), truncated as sentence-transformers does.
struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of each input, as sentence-transformers tokenizes it.")

    @Option(name: .long, help: "Model folder (tokenizer.json, or vocab.txt + tokenizer_config.json).")
    var model: String

    @Option(name: .long, help: "File with one JSON string per line ('-' for stdin).")
    var input: String?

    @Option(name: .long, help: "Maximum number of tokens, special tokens included (default: the model's max_seq_length).")
    var maxLength: Int?

    @Flag(name: .long, help: "Print {\"ids\": [...], \"offsets\": [[start, end], ...]} per input instead of the ids alone (offsets in Unicode scalars of the stripped text, as HF's for a Python str).")
    var offsets = false

    @Argument(help: "Texts to tokenize (instead of --input).")
    var texts: [String] = []

    func run() async throws {
        do {
            try execute()
        } catch let e as ExitCode {
            throw e
        } catch {
            let message: String
            if let v = error as? ValidationError { message = v.message } else { message = "\(error)" }
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func execute() throws {
        let folder = URL(fileURLWithPath: model)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw ValidationError("\(model): no such model folder")
        }
        if let m = maxLength, m < 1 { throw ValidationError("--max-length must be at least 1") }
        let lines = try InputLines.read(file: input, arguments: texts)
        let tokenizer = try Tokenizer.load(from: folder)
        let st = try SentenceBertConfig.read(folder)
        let limit = maxLength ?? st.maxSeqLength ?? tokenizer.modelMaxLength
        let prepared = lines.map { PythonString.sentenceTransformersInput($0, lowercase: st.doLowerCase) }
        let encodings = tokenizer.encodeBatch(prepared, maxLength: limit)
        var out: [UInt8] = []
        out.reserveCapacity(encodings.count * 64)
        for e in encodings {
            if offsets { out.append(contentsOf: Array(#"{"ids":"#.utf8)) }
            out.append(UInt8(ascii: "["))
            for (k, id) in e.ids.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                appendDecimal(id, to: &out)
            }
            out.append(UInt8(ascii: "]"))
            if offsets {
                out.append(contentsOf: Array(#","offsets":["#.utf8))
                for (k, r) in e.offsets.enumerated() {
                    if k > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(UInt8(ascii: "["))
                    appendDecimal(r.lowerBound, to: &out)
                    out.append(UInt8(ascii: ","))
                    appendDecimal(r.upperBound, to: &out)
                    out.append(UInt8(ascii: "]"))
                }
                out.append(contentsOf: Array("]}".utf8))
            }
            out.append(UInt8(ascii: "\n"))
        }
        FileHandle.standardOutput.write(Data(out))
    }
}

/// Appends the decimal digits of `n` (≥ 0 or not) to `out`.
func appendDecimal(_ n: Int, to out: inout [UInt8]) {
    if n < 0 { out.append(UInt8(ascii: "-")) }
    var v = n.magnitude
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                 UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var count = 0
    withUnsafeMutableBytes(of: &digits) { d in
        repeat {
            d[count] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
            count += 1
        } while v > 0
        for k in stride(from: count - 1, through: 0, by: -1) { out.append(d[k]) }
    }
}

/// The two sentence_bert_config.json settings that change tokenization.
struct SentenceBertConfig {
    var maxSeqLength: Int?
    var doLowerCase: Bool

    static func read(_ folder: URL) throws -> SentenceBertConfig {
        let url = folder.appendingPathComponent("sentence_bert_config.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            return SentenceBertConfig(maxSeqLength: nil, doLowerCase: false)
        }
        guard let obj = try? JSONSerialization.jsonObject(with: data), let d = obj as? [String: Any] else {
            throw ValidationError("\(url.path): not a JSON object")
        }
        var c = SentenceBertConfig(maxSeqLength: nil, doLowerCase: false)
        if let n = d["max_seq_length"] as? NSNumber, n.intValue > 0 { c.maxSeqLength = n.intValue }
        if let b = d["do_lower_case"] as? Bool { c.doLowerCase = b }
        return c
    }
}
