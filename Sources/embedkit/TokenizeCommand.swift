import ArgumentParser
import EmbedKit
import Foundation

/// `embedkit tokenize --model <folder or id> [--input FILE.jsonl | TEXT ...] [--max-length N]`: one JSON array of
/// token ids per input (special tokens included), prepared exactly as `embed` prepares it (default prompt,
/// strip, lowercase, truncation at max_seq_length). Reads no weights.
struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of each input, as sentence-transformers tokenizes it.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var inputs: InputOptions

    @Option(name: .long, help: "Maximum number of tokens, special tokens included (default: the model's max_seq_length).")
    var maxLength: Int?

    @Option(name: .long, help: "Name of a prompt in config_sentence_transformers.json (default: the model's default prompt).")
    var promptName: String?

    @Option(name: .long, help: "A prompt prepended to every input.")
    var prompt: String?

    @Flag(name: .long, help: "Print {\"ids\": [...], \"offsets\": [[start, end] or null, ...]} per input instead of the ids alone (Unicode-scalar offsets into the input as given; null for special and prompt tokens).")
    var offsets = false

    func run() async throws {
        do {
            try await execute()
        } catch let e as ExitCode {
            throw e
        } catch {
            let message: String
            if let v = error as? ValidationError { message = v.message } else { message = "\(error)" }
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func execute() async throws {
        let lines = try inputs.allTexts()
        let text = try await modelOptions.loadTextPreparation()
        let prompt = try text.prompt(self.prompt, named: promptName)
        var out: [UInt8] = []
        out.reserveCapacity(lines.count * 64)
        func ids(_ ids: [Int]) {
            out.append(UInt8(ascii: "["))
            for (k, id) in ids.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                appendDecimal(id, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        if offsets {
            let limit = try text.maxLength(maxLength)
            for line in lines {
                let t = text.encode(line, prompt: prompt, maxLength: limit)
                out.append(contentsOf: Array(#"{"ids":"#.utf8))
                ids(t.encoding.ids)
                out.append(contentsOf: Array(#","offsets":["#.utf8))
                for (k, r) in t.offsets.enumerated() {
                    if k > 0 { out.append(UInt8(ascii: ",")) }
                    guard let r else { out.append(contentsOf: Array("null".utf8)); continue }
                    out.append(UInt8(ascii: "["))
                    appendDecimal(r.lowerBound, to: &out)
                    out.append(UInt8(ascii: ","))
                    appendDecimal(r.upperBound, to: &out)
                    out.append(UInt8(ascii: "]"))
                }
                out.append(contentsOf: Array("]}\n".utf8))
            }
        } else {
            for p in try text.prepare(lines, prompt: prompt, maxLength: maxLength) {
                ids(p.ids)
                out.append(UInt8(ascii: "\n"))
            }
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

