//! Typify's builder messages read back as the field and the spec rule they stand for.

use crate::error::{InvalidInput, Violation};
use crate::runtime::spec::{Operation, Rule};

/// Map typify's builder messages (`no value supplied for x`, `error converting
/// supplied value for x: ...`) to the field and the spec rule they stand for.
pub fn from_builder_message(op: &Operation, message: &str) -> InvalidInput {
    let message = message.rsplit("failed: ").next().unwrap_or(message);
    if let Some(field) = message.strip_prefix("no value supplied for ") {
        return InvalidInput::new(Some(op.id), field.trim(), Violation::Required);
    }
    if let Some(rest) = message.strip_prefix("error converting supplied value for ") {
        let (field, why) = rest.split_once(": ").unwrap_or((rest, ""));
        let rules = op
            .body
            .iter()
            .flat_map(|b| b.schema.properties)
            .find(|p| p.name == field)
            .map_or(&[][..], |p| p.schema.rules);
        let pick = |pred: fn(&Rule) -> bool| rules.iter().find(|r| pred(r)).copied();
        let rule = if why.starts_with("doesn't match pattern") {
            pick(|r| matches!(r, Rule::Pattern(_)))
        } else if why.starts_with("longer than") {
            pick(|r| matches!(r, Rule::MaxLength(_)))
        } else if why.starts_with("shorter than") {
            pick(|r| matches!(r, Rule::MinLength(_)))
        } else {
            pick(|r| matches!(r, Rule::Enum(_) | Rule::Format(_)))
        };
        let violation = rule.map_or_else(|| Violation::Format(why.to_string()), Violation::Rule);
        return InvalidInput::new(Some(op.id), field, violation);
    }
    InvalidInput::new(Some(op.id), "body", Violation::Format(message.to_string()))
}
