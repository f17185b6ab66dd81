import Foundation

/// Typed access to a parsed JSON object of tokenizer.json, with errors that name the file and component.
struct JSONObject {
    let dict: [String: Any]
    let file: String
    let component: String

    init(_ any: Any?, file: String, component: String) throws {
        guard let d = any as? [String: Any] else {
            throw TokenizerError.invalidFile(file: file, reason: "\(component) must be a JSON object")
        }
        dict = d; self.file = file; self.component = component
    }

    subscript(key: String) -> Any? {
        let v = dict[key]
        if v is NSNull { return nil }
        return v
    }

    func has(_ key: String) -> Bool { self[key] != nil }

    func fail(_ reason: String) -> TokenizerError {
        .invalidFile(file: file, reason: "\(component): \(reason)")
    }

    func string(_ key: String) throws -> String {
        guard let s = self[key] as? String else { throw fail("missing or non-string '\(key)'") }
        return s
    }

    func optionalString(_ key: String) throws -> String? {
        guard let v = self[key] else { return nil }
        guard let s = v as? String else { throw fail("'\(key)' must be a string") }
        return s
    }

    func bool(_ key: String, default d: Bool) throws -> Bool {
        guard let v = self[key] else { return d }
        if let b = v as? Bool { return b }
        throw fail("'\(key)' must be true or false")
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard self[key] != nil else { return nil }
        return try bool(key, default: false)
    }

    func int(_ key: String) throws -> Int? {
        guard let v = self[key] else { return nil }
        if let n = v as? NSNumber {
            let d = n.doubleValue
            guard d.isFinite, d == d.rounded(), abs(d) < 9.0e18 else { throw fail("'\(key)' must be an integer") }
            return Int(d)
        }
        throw fail("'\(key)' must be an integer")
    }

    func double(_ key: String) throws -> Double? {
        guard let v = self[key] else { return nil }
        guard let n = v as? NSNumber else { throw fail("'\(key)' must be a number") }
        return n.doubleValue
    }

    func object(_ key: String, component c: String? = nil) throws -> JSONObject? {
        guard let v = self[key] else { return nil }
        return try JSONObject(v, file: file, component: c ?? "\(component).\(key)")
    }

    func array(_ key: String) throws -> [Any]? {
        guard let v = self[key] else { return nil }
        guard let a = v as? [Any] else { throw fail("'\(key)' must be an array") }
        return a
    }

    func type() throws -> String { try string("type") }
}

extension String {
    var scalars: [Unicode.Scalar] { Array(unicodeScalars) }
}

extension Array where Element == Unicode.Scalar {
    var string: String {
        var s = String()
        s.unicodeScalars.append(contentsOf: self)
        return s
    }
}

extension ArraySlice where Element == Unicode.Scalar {
    var string: String {
        var s = String()
        s.unicodeScalars.append(contentsOf: self)
        return s
    }
}
