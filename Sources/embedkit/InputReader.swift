import ArgumentParser
import EmbedKit
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One row of an input: a line of a JSONL file (`"text"` or `{"id": ..., "text": ...}`) or a
/// command-line argument. Every line is a row, so outputs line up with input lines: a blank line is an
/// empty text, and a line that cannot be read (not JSON, not UTF-8) is a row holding that error.
struct InputRow {
    /// Line number in the file (1-based), or the argument's position.
    var line: Int
    /// The text, or why this line could not be read (`file:line: reason`).
    var text: Result<String, InputError>
    /// The row's id as JSON text (a string or an integer, `null` when an object row has none); nil for
    /// a plain string row or a blank line.
    var id: String?
    /// Whether the line was an object (`{"id", "text"}`); nil for a blank or unreadable line.
    var isObject: Bool?
}

/// `--input FILE.jsonl` or TEXT arguments: the rows `embed`, `chunk`, `tokenize` and `similarity` work on.
struct InputOptions: ParsableArguments {
    @Option(name: .long, help: "JSONL file: per line a JSON string or an {\"id\", \"text\"} object ('-' for stdin).")
    var input: String?

    @Argument(help: "Texts (when --input is not given).")
    var texts: [String] = []

    func rows() throws -> [InputRow] { try InputRows.read(file: input, arguments: texts) }
    func allTexts() throws -> [String] { try InputRows.texts(file: input, arguments: texts) }
}

/// The one reader of the texts a command works on: `embed`, `chunk`, bulk jobs, `tokenize`,
/// `similarity` and `bench` all read their `--input` (or arguments) through it, with one grammar.
enum InputRows {
    /// Every row of `file` (`-`: stdin), or one row per argument when no file is given.
    static func read(file: String?, arguments: [String]) throws -> [InputRow] {
        guard let file else {
            return arguments.enumerated().map { InputRow(line: $0 + 1, text: .success($1), id: nil, isObject: nil) }
        }
        if !arguments.isEmpty { throw ValidationError("give either --input or TEXT arguments, not both") }
        let reader = try InputReader(path: file)
        var rows: [InputRow] = []
        while let row = try reader.next() { rows.append(row) }
        return rows
    }

    /// The texts of every row, for commands that need all of them: the first unreadable line is thrown.
    static func texts(file: String?, arguments: [String]) throws -> [String] {
        try read(file: file, arguments: arguments).map { try $0.text.get() }
    }
}

/// Reads a JSONL input as a stream: rows one at a time with the byte offset after each, so a job can
/// stop anywhere and start again at a row boundary. Every line is a row (`InputRow`); a UTF-8 byte-order
/// mark at the start is ignored; a `\r` before the newline is whitespace. Memory: one read buffer plus
/// the longest line.
final class InputReader {
    /// Longest line accepted (a line past this is an error naming it, not an allocation without bound).
    static let maxLineBytes = 256 << 20
    let path: String
    private let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private var start = 0, end = 0
    /// File offset of `buffer[end]`.
    private var fileOffset: Int64 = 0
    private var eof = false
    /// Line number (1-based) of the last line returned or skipped.
    private(set) var lineNumber = 0

    /// Opens `path` and positions it at `offset` (a row boundary a previous reader reported), counting
    /// lines from `lineNumber`.
    init(path: String, offset: Int64 = 0, lineNumber: Int = 0) throws {
        self.path = path
        fd = path == "-" ? dup(0) : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputError("\(path): cannot read the input file (\(String(cString: strerror(errno))))") }
        if offset > 0 {
            guard lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
                close(fd)
                throw InputError("\(path): cannot seek to byte \(offset)")
            }
        }
        fileOffset = offset
        self.lineNumber = lineNumber
        if offset == 0 {
            try fill()
            if end - start >= 3 && buffer[start] == 0xEF && buffer[start + 1] == 0xBB && buffer[start + 2] == 0xBF { start += 3 }
        }
    }

    deinit { close(fd) }

    /// Byte offset just past the last line returned.
    var offset: Int64 { fileOffset - Int64(end - start) }

    /// Reads more bytes, keeping the unread part at the front of the buffer.
    private func fill() throws {
        if start > 0 {
            buffer.withUnsafeMutableBytes { b in
                if end > start { memmove(b.baseAddress!, b.baseAddress! + start, end - start) }
            }
            end -= start
            start = 0
        }
        if end == buffer.count {
            guard buffer.count < Self.maxLineBytes else {
                throw InputError("\(path):\(lineNumber + 1): line longer than \(Self.maxLineBytes >> 20) MB")
            }
            buffer += [UInt8](repeating: 0, count: buffer.count)
        }
        let n = buffer.withUnsafeMutableBytes { b in read(fd, b.baseAddress! + end, b.count - end) }
        guard n >= 0 else { throw InputError("\(path): read failed (\(String(cString: strerror(errno))))") }
        if n == 0 { eof = true }
        end += n
        fileOffset += Int64(n)
    }

    /// The next line's bytes (surrounding JSON whitespace removed; empty for a blank line), or nil at the end.
    func nextLine<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R? {
        while true {
            var newline: Int? = nil
            while newline == nil {
                newline = buffer.withUnsafeBytes { b -> Int? in
                    guard end > start, let p = memchr(b.baseAddress! + start, 0x0A, end - start) else { return nil }
                    return b.baseAddress!.distance(to: UnsafeRawPointer(p))
                }
                if newline != nil || eof { break }
                try fill()
            }
            if newline == nil && start == end { return nil }
            let lineEnd = newline ?? end
            lineNumber += 1
            let result: R? = try buffer.withUnsafeBufferPointer { b in
                var a = start, z = lineEnd
                while a < z && JSONStringLine.isJSONSpace(b[a]) { a += 1 }
                while z > a && JSONStringLine.isJSONSpace(b[z - 1]) { z -= 1 }
                return try body(UnsafeBufferPointer(rebasing: b[a..<z]))
            }
            start = newline.map { $0 + 1 } ?? end
            if let result { return result }
        }
    }

    /// The next row, or nil at the end; a line that cannot be read is a row holding its error.
    func next() throws -> InputRow? {
        try nextLine { line -> InputRow in
            let number = lineNumber
            do {
                let (text, id, object) = try Self.parseRow(line)
                return InputRow(line: number, text: .success(text), id: id, isObject: object)
            } catch let e as JSONStringLine.Error {
                return InputRow(line: number, text: .failure(InputError("\(path):\(number): \(e.message)")), id: nil, isObject: nil)
            }
        }
    }

    /// Skips `count` rows without parsing them (only line boundaries are looked at).
    func skip(_ count: Int) throws {
        var skipped = 0
        while skipped < count, try nextLine({ _ in true }) != nil { skipped += 1 }
    }

    /// Counts the rows left.
    func countRows() throws -> Int {
        var n = 0
        while try nextLine({ _ in true }) != nil { n += 1 }
        return n
    }

    /// A line's text, id (JSON text) and whether it was an object; a blank line is an empty text.
    static func parseRow(_ line: UnsafeBufferPointer<UInt8>) throws -> (String, String?, Bool?) {
        if line.isEmpty { return ("", nil, nil) }
        if line[0] == UInt8(ascii: "\"") { return (try JSONStringLine.parse(line), nil, false) }
        guard line[0] == UInt8(ascii: "{") else {
            throw JSONStringLine.Error(message: "expected a JSON string or an object {\"id\": ..., \"text\": \"...\"} per line")
        }
        let object: ObjectRow
        do {
            object = try JSONDecoder().decode(ObjectRow.self, from: Data(buffer: line))
        } catch let DecodingError.keyNotFound(key, _) where key.stringValue == "text" {
            throw JSONStringLine.Error(message: "the object has no \"text\"")
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.first?.stringValue == "id" {
            throw JSONStringLine.Error(message: "\"id\" must be a string or an integer")
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.first?.stringValue == "text" {
            throw JSONStringLine.Error(message: "\"text\" must be a string")
        } catch {
            throw JSONStringLine.Error(message: "the line is not a valid JSON object (or not UTF-8)")
        }
        return (object.text, object.id?.json ?? "null", true)
    }

    /// `{"id": ..., "text": ...}` (other keys ignored).
    private struct ObjectRow: Decodable {
        var text: String
        var id: RowID?
    }

    /// A row id: a string or an integer (kept as JSON text).
    private enum RowID: Decodable {
        case string(String), integer(Int64)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .string(s) }
            else if let bool = try? c.decode(Bool.self) {
                throw DecodingError.typeMismatch(Int64.self, .init(codingPath: decoder.codingPath, debugDescription: "\(bool)"))
            } else { self = .integer(try c.decode(Int64.self)) }
        }
        var json: String {
            switch self {
            case .string(let s): return JSONText.quote(s)
            case .integer(let n): return String(n)
            }
        }
    }
}

/// `--shard i/n`: the i-th of n contiguous, nearly equal parts of a corpus (0-based), so the shards'
/// outputs concatenated in order are the whole corpus's output.
struct Shard: ExpressibleByArgument, Equatable, CustomStringConvertible {
    let index: Int
    let count: Int

    init(index: Int, count: Int) { self.index = index; self.count = count }

    init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else { return nil }
        index = i; count = n
    }

    var description: String { "\(index)/\(count)" }

    /// The rows of this shard, out of `total`.
    func rows(of total: Int) -> Range<Int> {
        (total * index / count)..<(total * (index + 1) / count)
    }
}
