//! The unit tests of the 3.1 → 3.0 rewrite: each rule, and the errors with a place.

use super::*;

/// One schema of a 3.1 page, converted.
fn convert(schema: Value) -> std::result::Result<Value, PipelineError> {
    let mut doc = json!({"openapi": "3.1.0", "components": {"schemas": {"S": schema}}});
    to_30(Path::new("specs/x/page.yaml"), &mut doc)?;
    assert_eq!(doc["openapi"], "3.0.3");
    Ok(doc["components"]["schemas"]["S"].take())
}

fn ok(schema: Value) -> Value {
    convert(schema).unwrap_or_else(|e| panic!("{e}"))
}

fn err(schema: Value) -> String {
    match convert(schema) {
        Ok(v) => panic!("converted: {v}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn only_31_pages_are_rewritten() {
    for version in ["3.0.3", "3.0.0", "2.0"] {
        let mut doc = json!({"openapi": version, "components": {"schemas": {"S": {"type": ["string", "null"]}}}});
        let before = doc.clone();
        assert!(!to_30(Path::new("p.yaml"), &mut doc).unwrap());
        assert_eq!(doc, before, "{version} left as it is");
    }
    let mut doc = json!({"openapi": "3.1.1", "info": {"title": "t", "version": "1"}});
    assert!(to_30(Path::new("p.yaml"), &mut doc).unwrap());
    assert_eq!(
        doc,
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}})
    );
}

#[test]
fn type_lists() {
    assert_eq!(
        ok(json!({"type": ["string", "null"], "maxLength": 3})),
        json!({"type": "string", "nullable": true, "maxLength": 3})
    );
    assert_eq!(ok(json!({"type": ["integer"]})), json!({"type": "integer"}));
    assert_eq!(ok(json!({"type": "null"})), json!({"nullable": true, "enum": [null]}));
    assert_eq!(ok(json!({"type": ["null"]})), json!({"nullable": true, "enum": [null]}));
    // Several types: a branch each, with the keywords of its type; a keyword
    // of a type not listed constrained nothing.
    assert_eq!(
        ok(
            json!({"type": ["string", "integer", "null"], "description": "d", "minLength": 1,
                  "minimum": 0, "format": "int64", "minItems": 2})
        ),
        json!({"description": "d", "nullable": true, "anyOf": [
            {"type": "string", "minLength": 1},
            {"type": "integer", "minimum": 0, "format": "int64"},
        ]})
    );
    assert_eq!(
        ok(json!({"type": ["number", "string", "integer"], "format": "decimal"})),
        json!({"anyOf": [{"type": "number"}, {"type": "string", "format": "decimal"}]})
    );
    // Beside an `anyOf` of its own, the type list joins it through `allOf`.
    assert_eq!(
        ok(json!({"type": ["string", "boolean"], "anyOf": [{"minLength": 2}, {"const": true}]})),
        json!({"anyOf": [{"minLength": 2}, {"enum": [true]}],
               "allOf": [{"anyOf": [{"type": "string"}, {"type": "boolean"}]}]})
    );
    assert!(err(json!({"type": ["string", "date"]})).contains("\"date\" is not a JSON Schema type"));
    assert!(err(json!({"type": []})).contains("no value fits"));
}

#[test]
fn null_branches_become_nullable() {
    // Merged when one inline branch is left (pydantic's Optional[str]).
    assert_eq!(
        ok(
            json!({"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}], "description": "d", "default": null})
        ),
        json!({"type": "string", "maxLength": 5, "nullable": true, "description": "d", "default": null})
    );
    // A reference stays the only branch (the form FunnelFox's pages use in 3.0).
    assert_eq!(
        ok(json!({"oneOf": [{"$ref": "#/components/schemas/T"}, {"type": "null"}]})),
        json!({"oneOf": [{"$ref": "#/components/schemas/T"}], "nullable": true})
    );
    // Several left: still a choice, now nullable.
    assert_eq!(
        ok(json!({"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]})),
        json!({"anyOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})
    );
    // A clash keeps the branch.
    assert_eq!(
        ok(json!({"type": "string", "anyOf": [{"type": "integer"}, {"type": "null"}]})),
        json!({"type": "string", "anyOf": [{"type": "integer"}], "nullable": true})
    );
    assert_eq!(
        ok(json!({"anyOf": [{"type": "null"}]})),
        json!({"nullable": true, "enum": [null]})
    );
}

#[test]
fn constants_and_examples() {
    assert_eq!(ok(json!({"const": "FREE"})), json!({"enum": ["FREE"]}));
    assert_eq!(ok(json!({"const": 1, "enum": [1, 2]})), json!({"enum": [1]}));
    assert!(err(json!({"const": 3, "enum": [1, 2]})).contains("no value fits"));
    // JSON Schema's documented enum.
    assert_eq!(
        ok(json!({"type": "string", "oneOf": [{"const": "A", "description": "a"}, {"const": "B", "title": "b"}]})),
        json!({"type": "string", "enum": ["A", "B"]})
    );
    assert_eq!(
        ok(json!({"anyOf": [{"const": "A", "type": "string"}, {"const": "B", "type": "string"}, {"type": "null"}]})),
        json!({"type": "string", "enum": ["A", "B"], "nullable": true})
    );
    // A branch that is more than a constant is not an enum value.
    assert_eq!(
        ok(json!({"oneOf": [{"const": "A"}, {"type": "string", "maxLength": 1}]})),
        json!({"oneOf": [{"enum": ["A"]}, {"type": "string", "maxLength": 1}]})
    );
    assert_eq!(ok(json!({"examples": ["1.00", "2.00"]})), json!({"example": "1.00"}));
    assert_eq!(ok(json!({"example": "3", "examples": ["1"]})), json!({"example": "3"}));
    assert_eq!(ok(json!({"examples": []})), json!({}));
    assert!(err(json!({"examples": {"a": {"value": 1}}})).contains("must be a list"));
}

#[test]
fn exclusive_bounds() {
    assert_eq!(
        ok(json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 100})),
        json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 100, "exclusiveMaximum": true})
    );
    // The stricter of two bounds holds.
    assert_eq!(
        ok(json!({"type": "number", "minimum": 5, "exclusiveMinimum": 1})),
        json!({"type": "number", "minimum": 5})
    );
    assert_eq!(
        ok(json!({"type": "number", "minimum": 1, "exclusiveMinimum": 5, "maximum": 9, "exclusiveMaximum": 9})),
        json!({"type": "number", "minimum": 5, "exclusiveMinimum": true, "maximum": 9, "exclusiveMaximum": true})
    );
    // Already 3.0's form.
    assert_eq!(
        ok(json!({"minimum": 1, "exclusiveMinimum": true})),
        json!({"minimum": 1, "exclusiveMinimum": true})
    );
    assert!(err(json!({"exclusiveMaximum": "9"})).contains("must be a number"));
}

#[test]
fn content_and_binary() {
    assert_eq!(
        ok(json!({"type": "string", "contentMediaType": "image/png"})),
        json!({"type": "string", "format": "binary"})
    );
    assert_eq!(
        ok(json!({"contentMediaType": "text/csv"})),
        json!({"type": "string", "format": "binary"})
    );
    assert_eq!(
        ok(json!({"type": "string", "contentEncoding": "base64"})),
        json!({"type": "string", "format": "byte"})
    );
    assert!(err(json!({"type": "string", "contentEncoding": "quoted-printable"})).contains("content encoding"));
    assert!(err(json!({"type": "string", "format": "date", "contentMediaType": "text/plain"})).contains("format"));
}

#[test]
fn references_with_siblings() {
    let r = "#/components/schemas/T";
    // Descriptive siblings stay: 3.0 readers ignore them.
    assert_eq!(
        ok(json!({"$ref": r, "description": "d", "x-billing-sensitive": true})),
        json!({"$ref": r, "description": "d", "x-billing-sensitive": true})
    );
    assert_eq!(
        ok(json!({"$ref": r, "examples": ["e"]})),
        json!({"$ref": r, "example": "e"})
    );
    // A sibling that constrains still does.
    assert_eq!(
        ok(json!({"$ref": r, "description": "d", "default": "x", "readOnly": true})),
        json!({"allOf": [{"$ref": r}], "description": "d", "default": "x", "readOnly": true})
    );
}

#[test]
fn schemas_inside_schemas_and_operations() {
    let mut doc = json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "webhooks": {"paid": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/S"}}}}}}},
        "paths": {"/a/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": ["string"]}}],
            "post": {
                "parameters": [{"name": "q", "in": "query", "schema": {"type": ["integer", "null"], "exclusiveMinimum": 0}}],
                "requestBody": {"content": {"multipart/form-data": {
                    "schema": {"type": "object", "properties": {"file": {"type": "string", "contentMediaType": "text/csv"}}},
                    "encoding": {"file": {"headers": {"X-Part": {"schema": {"const": "v"}}}}}
                }}},
                "responses": {"200": {
                    "description": "ok",
                    "headers": {"X-Id": {"schema": {"type": ["string", "null"]}}},
                    "content": {"application/json": {"schema": {"type": "array", "items": {"examples": [1]}}}}
                }},
                "callbacks": {"done": {"{$request.body#/url}": {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": ["boolean", "null"]}}}}}}}}
            }
        }},
        "components": {
            "schemas": {"S": {"type": "object", "properties": {
                "a": {"type": "object", "additionalProperties": {"type": ["string", "null"]}},
                "b": {"not": {"const": 1}},
                "c": {"allOf": [true]}
            }}},
            "parameters": {"P": {"name": "p", "in": "query", "content": {"application/json": {"schema": {"type": ["number", "null"]}}}}},
            "headers": {"H": {"schema": {"examples": ["h"]}}},
            "requestBodies": {"B": {"content": {"application/json": {"schema": {"const": "b"}}}}},
            "responses": {"R": {"description": "r", "content": {"application/json": {"schema": {"type": ["object", "null"]}}}}}
        }
    });
    assert!(to_30(Path::new("p.yaml"), &mut doc).unwrap());
    let at = |p: &str| doc.pointer(p).cloned().unwrap_or_else(|| panic!("{p}"));
    assert!(doc.get("webhooks").is_none() && doc.get("jsonSchemaDialect").is_none());
    assert_eq!(at("/paths/~1a~1{id}/parameters/0/schema"), json!({"type": "string"}));
    let op = "/paths/~1a~1{id}/post";
    assert_eq!(
        at(&format!("{op}/parameters/0/schema")),
        json!({"type": "integer", "nullable": true, "minimum": 0, "exclusiveMinimum": true})
    );
    let form = format!("{op}/requestBody/content/multipart~1form-data");
    assert_eq!(
        at(&format!("{form}/schema/properties/file")),
        json!({"type": "string", "format": "binary"})
    );
    assert_eq!(
        at(&format!("{form}/encoding/file/headers/X-Part/schema")),
        json!({"enum": ["v"]})
    );
    let ok200 = format!("{op}/responses/200");
    assert_eq!(
        at(&format!("{ok200}/headers/X-Id/schema")),
        json!({"type": "string", "nullable": true})
    );
    assert_eq!(
        at(&format!("{ok200}/content/application~1json/schema/items")),
        json!({"example": 1})
    );
    assert_eq!(
        at(&format!(
            "{op}/callbacks/done/{{$request.body#~1url}}/post/requestBody/content/application~1json/schema"
        )),
        json!({"type": "boolean", "nullable": true})
    );
    let s = "/components/schemas/S/properties";
    assert_eq!(
        at(&format!("{s}/a/additionalProperties")),
        json!({"type": "string", "nullable": true})
    );
    assert_eq!(at(&format!("{s}/b/not")), json!({"enum": [1]}));
    assert_eq!(at(&format!("{s}/c/allOf/0")), json!({}));
    assert_eq!(
        at("/components/parameters/P/content/application~1json/schema"),
        json!({"type": "number", "nullable": true})
    );
    assert_eq!(at("/components/headers/H/schema"), json!({"example": "h"}));
    assert_eq!(
        at("/components/requestBodies/B/content/application~1json/schema"),
        json!({"enum": ["b"]})
    );
    assert_eq!(
        at("/components/responses/R/content/application~1json/schema"),
        json!({"type": "object", "nullable": true})
    );
}

/// What 3.0 cannot say is an error with the file and the place.
#[test]
fn what_30_cannot_express_is_an_error_with_a_place() {
    let place = |schema: Value| {
        let e = convert(json!({"type": "object", "properties": {"p": schema}})).unwrap_err();
        assert_eq!(e.files, vec![std::path::PathBuf::from("specs/x/page.yaml")]);
        e.place
    };
    let at = "components > schemas > S > properties > p";
    for keyword in [
        "prefixItems",
        "if",
        "patternProperties",
        "$defs",
        "unevaluatedProperties",
        "dependentRequired",
    ] {
        assert_eq!(place(json!({keyword: {}})), format!("{at} > {keyword}"));
    }
    assert_eq!(place(json!({"items": [{"type": "string"}]})), format!("{at} > items"));
    assert_eq!(
        place(json!({"anyOf": [{"type": "string"}, {"propertyNames": {"maxLength": 3}}]})),
        format!("{at} > anyOf[1] > propertyNames")
    );
    assert_eq!(
        place(json!({"$schema": "http://json-schema.org/draft-04/schema#"})),
        format!("{at} > $schema")
    );
    assert_eq!(place(json!(3)), at);
    let mut doc = json!({"openapi": "3.1.0", "jsonSchemaDialect": "https://example.com/dialect"});
    let e = to_30(Path::new("p.yaml"), &mut doc).unwrap_err();
    assert_eq!(e.place, "jsonSchemaDialect");
    let mut doc = json!({"openapi": "3.1.0", "components": {"pathItems": {"A": {}}}});
    let e = to_30(Path::new("p.yaml"), &mut doc).unwrap_err();
    assert_eq!(e.place, "components > pathItems");
    let mut doc = json!({"openapi": "3.1.0", "paths": {"/a": {"get": {"responses": {"200": {
        "description": "ok", "content": {"application/json": {"schema": {"if": {}}}}}}}}}});
    let e = to_30(Path::new("p.yaml"), &mut doc).unwrap_err();
    assert_eq!(
        e.to_string(),
        "p.yaml at paths > /a > get > responses > 200 > content > application/json > schema > if: `if` (JSON Schema 2020-12) has no OpenAPI 3.0 form"
    );
}
