import ArgumentParser
import Foundation

/// Reads the texts a command works on: one JSON string per line of a file (`-` for stdin),
/// or the command-line arguments. Blank lines are skipped.
enum InputLines {
    static func read(file: String?, arguments: [String]) throws -> [String] {
        guard let file else { return arguments }
        if !arguments.isEmpty { throw ValidationError("give either --input or TEXT arguments, not both") }
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: file) else {
                throw InputError("\(file): cannot read the input file")
            }
            data = d
        }
        var texts: [String] = []
        var lineNumber = 0
        for lineBytes in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            guard let line = String(validating: lineBytes, as: UTF8.self) else {
                throw InputError("\(file):\(lineNumber): the line is not valid UTF-8")
            }
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            do {
                texts.append(try JSONStringLine.parse(trimmed))
            } catch let e as JSONStringLine.Error {
                throw InputError("\(file):\(lineNumber): \(e.message)")
            }
        }
        return texts
    }
}

/// A problem with the input data (printed as one line, without the usage text).
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Parses one JSON string literal. Unlike Foundation's JSON reader it accepts unpaired UTF-16
/// surrogates (`"\ud800"`, which Python's json module produces) and maps them to U+FFFD.
enum JSONStringLine {
    struct Error: Swift.Error { let message: String }

    static func parse(_ text: String) throws -> String {
        let u = Array(text.unicodeScalars)
        guard u.count >= 2, u.first == "\"", u.last == "\"" else {
            throw Error(message: "expected one JSON string per line, like \"some text\"")
        }
        var out = String.UnicodeScalarView()
        var i = 1
        let end = u.count - 1
        func hex4(_ at: Int) throws -> UInt32 {
            guard at + 4 <= end else { throw Error(message: "truncated \\u escape") }
            var v: UInt32 = 0
            for k in at..<at + 4 {
                guard let d = UInt32(String(u[k]), radix: 16)
                else { throw Error(message: "invalid \\u escape") }
                v = v * 16 + d
            }
            return v
        }
        while i < end {
            let c = u[i]
            if c == "\"" { throw Error(message: "unescaped quote inside the string (one JSON string per line)") }
            if c != "\\" {
                if c.value < 0x20 { throw Error(message: "raw control character in a JSON string") }
                out.append(c); i += 1; continue
            }
            guard i + 1 < end else { throw Error(message: "dangling backslash") }
            let e = u[i + 1]
            i += 2
            switch e {
            case "\"": out.append("\"")
            case "\\": out.append("\\")
            case "/": out.append("/")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "u":
                let v = try hex4(i)
                i += 4
                if (0xD800..<0xDC00).contains(v), i + 6 <= end, u[i] == "\\", u[i + 1] == "u",
                   let lo = try? hex4(i + 2), (0xDC00..<0xE000).contains(lo) {
                    i += 6
                    out.append(Unicode.Scalar(0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00))!)
                } else {
                    out.append(Unicode.Scalar(v) ?? "\u{FFFD}")
                }
            default:
                throw Error(message: "invalid escape \\\(e)")
            }
        }
        return String(out)
    }
}
