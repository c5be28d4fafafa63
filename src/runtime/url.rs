//! Base URLs: the spec's server template (or an override template, for proxies and
//! tests) rendered with validated, escaped variables; never a URL with an unfilled
//! `{variable}`, and never plain `http://` except to a loopback address.

use super::spec::Spec;
use crate::error::{InvalidInput, Violation};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Everything but unreserved characters is escaped in a server variable.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b':')
    .add(b';')
    .add(b'=')
    .add(b'&')
    .add(b'+')
    .add(b',')
    .add(b'$')
    .add(b'!')
    .add(b'\'')
    .add(b'(')
    .add(b')')
    .add(b'*');

/// A path parameter's value, escaped as one segment.
pub(crate) fn segment(value: &serde_json::Value) -> String {
    utf8_percent_encode(&query_value(value), SEGMENT).to_string()
}

/// A scalar parameter's text (`"a"` → `a`, `5` → `5`).
pub(crate) fn query_value(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `a=1&b=x%20y`.
pub(crate) fn query(pairs: &[(&str, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
        .finish()
}

/// The longest server variable accepted.
pub const MAX_VARIABLE: usize = 128;

fn invalid(field: &str, why: &str) -> InvalidInput {
    InvalidInput::new(None, field, Violation::Format(why.to_string()))
}

/// A server variable value: non-empty, at most [`MAX_VARIABLE`] characters, no
/// whitespace or control characters, not `.` or `..`.
pub fn check_variable(name: &str, value: &str) -> Result<(), InvalidInput> {
    if value.is_empty() {
        return Err(invalid(name, "must not be empty"));
    }
    if value.chars().count() > MAX_VARIABLE {
        return Err(invalid(name, &format!("must be at most {MAX_VARIABLE} characters")));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(name, "must not contain whitespace or control characters"));
    }
    if value == "." || value == ".." {
        return Err(invalid(name, "must not be `.` or `..`"));
    }
    Ok(())
}

/// Render a server URL template (the spec's, or an override) with every server
/// variable of the spec filled in (validated and escaped). A template that leaves
/// a variable out is refused, so a configured value is never silently unused.
pub fn render(spec: &Spec, template: Option<&str>, values: &[(&str, &str)]) -> Result<String, InvalidInput> {
    let mut url = template.unwrap_or(spec.server_url).to_string();
    for var in spec.server_variables {
        let placeholder = format!("{{{}}}", var.name);
        if !url.contains(&placeholder) {
            return Err(invalid(
                "base_url",
                &format!(
                    "must contain {placeholder}, which is filled with the {} given",
                    var.name
                ),
            ));
        }
        let value = values
            .iter()
            .find(|(n, _)| *n == var.name)
            .map(|(_, v)| *v)
            .ok_or_else(|| InvalidInput::new(None, var.name, Violation::Required))?;
        check_variable(var.name, value)?;
        url = url.replace(&placeholder, &utf8_percent_encode(value, SEGMENT).to_string());
    }
    check_base_url(&url)
}

/// A usable base URL: absolute, no template braces, https or loopback http;
/// returned without a trailing slash.
pub fn check_base_url(url: &str) -> Result<String, InvalidInput> {
    let field = "base_url";
    if url.contains('{') || url.contains('}') {
        return Err(invalid(field, "has an unfilled {variable}"));
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| invalid(field, &format!("is not an absolute URL: {e}")))?;
    if !parsed.username().is_empty()
        || parsed.password().is_some()
        || parsed.query().is_some()
        || parsed.fragment().is_some()
    {
        return Err(invalid(field, "must not carry credentials, a query or a fragment"));
    }
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&parsed) => {}
        "http" => {
            return Err(invalid(
                field,
                "plain http is allowed for loopback addresses only; use https",
            ));
        }
        other => return Err(invalid(field, &format!("unsupported scheme {other}"))),
    }
    Ok(url.trim_end_matches('/').to_string())
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}
