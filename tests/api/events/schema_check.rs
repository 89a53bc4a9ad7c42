//! A small JSON Schema (draft 7) checker for the keywords the generated schemas use: `$ref`
//! (inside the same document), `allOf`/`anyOf`/`oneOf`, `type`, `properties`, `required`,
//! `additionalProperties`, `items`, `enum`, `const`, `minimum`, `maximum`. Formats and
//! patterns are not checked.

use serde_json::Value;

/// Checks `value` against `schema`, resolving `$ref`s in `root`; the first violation found.
pub fn check(root: &Value, schema: &Value, value: &Value, path: &str) -> Result<(), String> {
    let Some(schema) = schema.as_object() else {
        return match schema {
            Value::Bool(false) => Err(format!("{path}: nothing is allowed here")),
            _ => Ok(()),
        };
    };
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = root
            .pointer(reference.trim_start_matches('#'))
            .ok_or_else(|| format!("{path}: dangling {reference}"))?;
        check(root, target, value, path)?;
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for sub in all {
            check(root, sub, value, path)?;
        }
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        if !any.iter().any(|sub| check(root, sub, value, path).is_ok()) {
            return Err(format!("{path}: matches none of anyOf: {value}"));
        }
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = one
            .iter()
            .filter(|sub| check(root, sub, value, path).is_ok())
            .count();
        if matching != 1 {
            return Err(format!("{path}: matches {matching} of oneOf: {value}"));
        }
    }
    if let Some(types) = schema.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !allowed.iter().any(|t| has_type(value, t)) {
            return Err(format!("{path}: {value} is not {allowed:?}"));
        }
    }
    if let Some(expected) = schema.get("const") {
        if expected != value {
            return Err(format!("{path}: {value} is not {expected}"));
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        if !options.contains(value) {
            return Err(format!("{path}: {value} not in {options:?}"));
        }
    }
    if let (Some(minimum), Some(n)) = (
        schema.get("minimum").and_then(Value::as_f64),
        value.as_f64(),
    ) {
        if n < minimum {
            return Err(format!("{path}: {n} < {minimum}"));
        }
    }
    if let (Some(maximum), Some(n)) = (
        schema.get("maximum").and_then(Value::as_f64),
        value.as_f64(),
    ) {
        if n > maximum {
            return Err(format!("{path}: {n} > {maximum}"));
        }
    }
    if let Some(object) = value.as_object() {
        for field in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let field = field.as_str().unwrap_or_default();
            if !object.contains_key(field) {
                return Err(format!("{path}: missing required {field}"));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (key, item) in object {
            let item_path = format!("{path}.{key}");
            match properties.and_then(|p| p.get(key)) {
                Some(sub) => check(root, sub, item, &item_path)?,
                None => {
                    if let Some(extra) = schema.get("additionalProperties") {
                        check(root, extra, item, &item_path)?;
                    }
                }
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            check(root, items, item, &format!("{path}[{i}]"))?;
        }
    }
    Ok(())
}

fn has_type(value: &Value, kind: &str) -> bool {
    match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => false,
    }
}

#[test]
fn the_checker_catches_what_it_claims_to() {
    let root = serde_json::json!({"defs": {"Money": {
        "type": "object",
        "properties": {"amount": {"type": "integer"}, "currency": {"type": "string"}},
        "required": ["amount", "currency"],
        "additionalProperties": false
    }}});
    let money = serde_json::json!({"$ref": "#/defs/Money"});
    let ok = serde_json::json!({"amount": 1, "currency": "USD"});
    assert!(check(&root, &money, &ok, "$").is_ok());
    for bad in [
        serde_json::json!({"amount": 1}),
        serde_json::json!({"amount": "1", "currency": "USD"}),
        serde_json::json!({"amount": 1, "currency": "USD", "extra": true}),
    ] {
        assert!(check(&root, &money, &bad, "$").is_err(), "{bad}");
    }
}
