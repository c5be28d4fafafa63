//! The spec's rules (enums, lengths, patterns, formats, bounds, sizes) on one value.

use crate::runtime::spec::Rule;
use serde_json::Value;

/// Whether `value` satisfies `rule` (rules of another type than the value's are
/// vacuous: the schema's type reports the mismatch).
pub fn satisfies(rule: &Rule, value: &Value) -> bool {
    match value {
        Value::String(s) => satisfies_str(rule, s),
        Value::Number(n) => match n.as_f64() {
            Some(x) => satisfies_number(rule, x),
            None => !matches!(rule, Rule::Minimum { .. } | Rule::Maximum { .. }),
        },
        Value::Array(a) => satisfies_items(rule, a.len()),
        _ => true,
    }
}

pub(super) fn satisfies_str(rule: &Rule, s: &str) -> bool {
    match rule {
        Rule::Enum(values) => values.contains(&s),
        // A character is at most four bytes: a long string needs no count.
        Rule::MinLength(n) => s.len() as u64 >= n.saturating_mul(4) || s.chars().count() as u64 >= *n,
        // A string has at most as many characters as bytes: most need no count.
        Rule::MaxLength(n) => s.len() as u64 <= *n || s.chars().count() as u64 <= *n,
        Rule::Pattern(p) => p.matches(s),
        Rule::Format("uuid") => uuid::Uuid::try_parse(s).is_ok(),
        Rule::Format("decimal") => s.parse::<rust_decimal::Decimal>().is_ok(),
        Rule::Format("email") => is_email(s),
        _ => true,
    }
}

/// An address in the form every billing form takes, within RFC 5321's sizes:
/// `local@domain`, no whitespace, one `@`, a domain of two or more dot-separated
/// labels that do not start or end with `-` (the quoted and bracketed forms of
/// RFC 5322 are refused).
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let label = |l: &str| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-');
    s.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"(),:;<>[]\\".contains(c))
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(label)
}

pub(super) fn satisfies_number(rule: &Rule, x: f64) -> bool {
    match rule {
        Rule::Minimum { value: m, exclusive } => {
            if *exclusive {
                x > *m
            } else {
                x >= *m
            }
        }
        Rule::Maximum { value: m, exclusive } => {
            if *exclusive {
                x < *m
            } else {
                x <= *m
            }
        }
        _ => true,
    }
}

pub(super) fn satisfies_items(rule: &Rule, len: usize) -> bool {
    match rule {
        Rule::MinItems(n) => len as u64 >= *n,
        Rule::MaxItems(n) => len as u64 <= *n,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::is_email;

    #[test]
    fn email_addresses_as_billing_forms_take_them() {
        for ok in ["jane@example.com", "j.doe+billing@mail.example.co.uk", "ü@bücher.de"] {
            assert!(is_email(ok), "{ok}");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        for bad in [
            "not an email",
            "jane",
            "@example.com",
            "jane@",
            "jane@localhost",
            "jane@@example.com",
            "jane@exa mple.com",
            "jane@-example.com",
            "jane@example..com",
            ".jane@example.com",
            "ja..ne@example.com",
            "\"jane\"@example.com",
            long_local.as_str(),
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
