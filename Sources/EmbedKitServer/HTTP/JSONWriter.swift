import EmbedKit
import Hummingbird

/// Writes JSON straight into a ByteBuffer. Floats use Swift's shortest round-trip form, so a client
/// parsing them as float32 gets the engine's exact values back.
struct JSONWriter {
    var buffer = ByteBuffer()

    init(capacity: Int = 256) { buffer.reserveCapacity(capacity) }

    mutating func raw(_ s: String) { buffer.writeString(s) }

    mutating func int(_ v: Int) { buffer.writeString(String(v)) }

    mutating func bool(_ v: Bool) { buffer.writeString(v ? "true" : "false") }

    /// Non-finite values have no JSON form; `EmbeddingPlan.finish` refuses them first.
    mutating func float(_ v: Float) { buffer.writeString(v.description) }

    mutating func floats(_ v: [Float]) { array(v) { x, json in json.float(x) } }

    /// A JSON array of `items`, each written by `element`.
    mutating func array<Items: Sequence>(_ items: Items, _ element: (Items.Element, inout JSONWriter) -> Void) {
        buffer.writeInteger(UInt8(ascii: "["))
        for (i, x) in items.enumerated() {
            if i > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            element(x, &self)
        }
        buffer.writeInteger(UInt8(ascii: "]"))
    }

    mutating func string(_ s: String) { buffer.writeString(JSONText.quote(s)) }

    /// A value of a small object's field; nil strings and numbers are written as null.
    indirect enum Field {
        case string(String?), int(Int?), bool(Bool), object([(String, Field)]), array([Field])
    }

    /// `{"key": value, ...}` in the order given.
    mutating func object(_ fields: [(String, Field)]) {
        raw("{")
        for (n, (key, value)) in fields.enumerated() {
            if n > 0 { raw(",") }
            string(key)
            raw(":")
            field(value)
        }
        raw("}")
    }

    mutating func field(_ value: Field) {
        switch value {
        case .string(let s?): string(s)
        case .int(let v?): int(v)
        case .string(nil), .int(nil): raw("null")
        case .bool(let b): bool(b)
        case .object(let fields): object(fields)
        case .array(let items):
            raw("[")
            for (n, item) in items.enumerated() {
                if n > 0 { raw(",") }
                field(item)
            }
            raw("]")
        }
    }
}
