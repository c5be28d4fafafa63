//! Operation ids: one string for the spec, the operation table and the method.
//!
//! The rule for a page without an `operationId`: the last literal path segment
//! when it already names an action on its own (it has an underscore, as in
//! `one_click`, `create_payment`, `enable_autorenew`, `export_csv`, or the path has
//! one segment, as in `/discount`), else the parent segment and the last one
//! (`/pp/create` → `pp_create`, `/feature/create` → `feature_create`,
//! `/subscription/pause` → `subscription_pause`). The name depends on the path
//! alone, so a new page never renames an existing method. A declared id (in the
//! page or the overlay) is kept, spelled as a Rust method (`createPayment` →
//! `create_payment`).

/// Names a generated client already has; an operation may not take them.
pub const RESERVED: &[&str] = &[
    "builder",
    "new",
    "from_env",
    "base_url",
    "with_options",
    "raw",
    "clone",
    "fmt",
];

/// Rust keywords that cannot be raw identifiers: such an id gets a trailing `_`.
const NOT_RAW: &[&str] = &["crate", "self", "super", "Self", "_"];

/// Every strict, reserved and edition-2024 keyword: a method named so is emitted
/// as a raw identifier (`r#type`), its id stays `type`.
pub const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn", "else", "enum",
    "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move",
    "mut", "override", "priv", "pub", "ref", "return", "static", "struct", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// `snake_case` of any spelling: camelCase humps and non-alphanumerics become `_`.
pub fn snake(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_lowercase());
        } else {
            prev_lower = false;
            if !out.ends_with('_') {
                out.push('_');
            }
        }
    }
    out.trim_matches('_').to_string()
}

/// `PascalCase` of a snake id: `one_click` → `OneClick`.
pub fn pascal(snake_id: &str) -> String {
    snake_id
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The Rust name typify gives component `name`.
pub fn type_name(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_uppercase()) && name.chars().all(|c| c.is_ascii_alphanumeric());
    if plain { name.to_string() } else { pascal(&snake(name)) }
}

/// Whether a property carries a secret, a token or personal data, and so is never
/// printed by `Debug`: declared with `x-billing-sensitive: true` (or `false` to
/// say it is not), else by name: one that contains `secret`, `token`,
/// `password`, `email`, `card_number` or `api_key`.
pub fn sensitive(name: &str, schema: &serde_json::Value) -> bool {
    if let Some(declared) = schema.get("x-billing-sensitive").and_then(serde_json::Value::as_bool) {
        return declared;
    }
    let name = name.to_ascii_lowercase();
    ["secret", "token", "password", "email", "card_number", "api_key"]
        .iter()
        .any(|word| name.contains(word))
}

/// A usable method name from a declared id, or `None` when nothing is left.
pub fn method_id(declared: &str) -> Option<String> {
    let mut id = snake(declared);
    if id.is_empty() {
        return None;
    }
    if id.starts_with(|c: char| c.is_ascii_digit()) {
        id = format!("op_{id}");
    }
    if NOT_RAW.contains(&id.as_str()) {
        id.push('_');
    }
    Some(id)
}

/// The id of an operation without one, from its path (see the module docs).
pub fn derived_id(path: &str) -> Option<String> {
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .map(snake)
        .filter(|s| !s.is_empty())
        .collect();
    let last = segments.last()?;
    let id = match segments.len() {
        1 => last.clone(),
        n if last.contains('_') => segments[n - 1].clone(),
        n => format!("{}_{last}", segments[n - 2]),
    };
    method_id(&id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling() {
        assert_eq!(snake("createPayment"), "create_payment");
        assert_eq!(snake("Get-Balance v2"), "get_balance_v2");
        assert_eq!(pascal("one_click"), "OneClick");
        assert_eq!(method_id("self").as_deref(), Some("self_"));
        assert_eq!(method_id("2fa").as_deref(), Some("op_2fa"));
        assert_eq!(method_id("--"), None);
    }
}
