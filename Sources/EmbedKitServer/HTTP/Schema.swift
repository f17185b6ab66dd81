/// A JSON Schema (the 2020-12 subset OpenAPI 3.1 uses) of a request field or a response, written into the
/// server's OpenAPI document.
indirect enum Schema: Sendable {
    case string(description: String? = nil, values: [String]? = nil)
    case integer(description: String? = nil, minimum: Int? = nil)
    case number(description: String? = nil)
    case boolean(description: String? = nil)
    case array(Schema, description: String? = nil, minItems: Int? = nil)
    /// An object with these properties (in order), `required` of them; other properties refused or not.
    case object([(String, Schema)], required: [String] = [], closed: Bool = true, description: String? = nil)
    /// An object whose every value has one schema (`{"256": [...], "1792": [...]}`).
    case map(Schema, description: String? = nil)
    case anyOf([Schema], description: String? = nil)
    case null
    /// `#/components/schemas/<name>`.
    case ref(String)
    /// Any JSON value.
    case any(description: String? = nil)

    /// `schema` or null.
    static func nullable(_ schema: Schema) -> Schema { .anyOf([schema, .null]) }

    /// A request's schema: every optional field of every object in it may also be null (read as absent,
    /// as TEI's and OpenAI's servers read it).
    var optionalFieldsNullable: Schema {
        switch self {
        case .object(let properties, let required, let closed, let d):
            return .object(properties.map { name, schema in
                (name, required.contains(name) ? schema.optionalFieldsNullable : .nullable(schema.optionalFieldsNullable))
            }, required: required, closed: closed, description: d)
        case .array(let items, let d, let minItems): return .array(items.optionalFieldsNullable, description: d, minItems: minItems)
        case .anyOf(let options, let d): return .anyOf(options.map(\.optionalFieldsNullable), description: d)
        default: return self
        }
    }

    var json: JSONWriter.Field {
        func described(_ fields: [(String, JSONWriter.Field)], _ d: String?) -> JSONWriter.Field {
            .object(fields + (d.map { [("description", .string($0))] } ?? []))
        }
        switch self {
        case .string(let d, let values):
            return described([("type", .string("string"))] + (values.map { [("enum", .array($0.map { .string($0) }))] } ?? []), d)
        case .integer(let d, let minimum):
            return described([("type", .string("integer"))] + (minimum.map { [("minimum", .int($0))] } ?? []), d)
        case .number(let d): return described([("type", .string("number"))], d)
        case .boolean(let d): return described([("type", .string("boolean"))], d)
        case .array(let items, let d, let minItems):
            return described([("type", .string("array")), ("items", items.json)] + (minItems.map { [("minItems", .int($0))] } ?? []), d)
        case .object(let properties, let required, let closed, let d):
            var fields: [(String, JSONWriter.Field)] = [("type", .string("object")),
                                                        ("properties", .object(properties.map { ($0.0, $0.1.json) }))]
            if !required.isEmpty { fields.append(("required", .array(required.map { .string($0) }))) }
            if closed { fields.append(("additionalProperties", .bool(false))) }
            return described(fields, d)
        case .map(let value, let d):
            return described([("type", .string("object")), ("additionalProperties", value.json)], d)
        case .anyOf(let options, let d): return described([("anyOf", .array(options.map(\.json)))], d)
        case .null: return .object([("type", .string("null"))])
        case .ref(let name): return .object([("$ref", .string("#/components/schemas/\(name)"))])
        case .any(let d): return described([], d)
        }
    }
}
