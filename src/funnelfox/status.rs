//! The payment status FunnelFox reports. Used instead of the generated closed enum
//! (declared in `codegen/generate.rs`): providers add statuses over time, and a
//! charge that happened must not become a decode error because its status is new.
//! Unknown values arrive as [`CheckoutPaymentStatus::Other`]; treat them as "not
//! known to have succeeded" and reconcile, never as a reason to charge again.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// `checkout_status` of a payment (`processing | succeeded | failed | cancelled`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CheckoutPaymentStatus {
    /// The payment is in progress (or waits for an action: see the action token).
    Processing,
    /// The payment went through.
    Succeeded,
    /// The payment failed; `failed_message_for_user` says why.
    Failed,
    /// The payment was cancelled.
    Cancelled,
    /// A status this version of the crate does not know.
    Other(String),
}

impl CheckoutPaymentStatus {
    /// The spec's name of the status.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Processing => "processing",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Other(s) => s,
        }
    }
}

impl fmt::Display for CheckoutPaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for CheckoutPaymentStatus {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "processing" => Self::Processing,
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            other => Self::Other(other.to_string()),
        })
    }
}

impl From<&str> for CheckoutPaymentStatus {
    fn from(s: &str) -> Self {
        s.parse().unwrap_or_else(|never| match never {})
    }
}

impl Serialize for CheckoutPaymentStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CheckoutPaymentStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(s.parse().unwrap_or_else(|never| match never {}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_variants_are_the_specs_and_unknown_ones_are_kept() {
        let spec = include_str!("../../specs/funnelfox/one_click.yaml");
        let block = &spec[spec.find("    CheckoutPaymentStatus:").unwrap()..];
        let known: Vec<&str> = block
            .lines()
            .skip(2)
            .take_while(|l| l.trim_start().starts_with("- "))
            .map(|l| l.trim().trim_start_matches("- "))
            .collect();
        assert_eq!(known, ["processing", "succeeded", "failed", "cancelled"]);
        for s in known {
            let parsed: CheckoutPaymentStatus = s.parse().unwrap();
            assert!(!matches!(parsed, CheckoutPaymentStatus::Other(_)), "{s}");
            assert_eq!(parsed.as_str(), s);
        }
        let new: CheckoutPaymentStatus = serde_json::from_str("\"refunded\"").unwrap();
        assert_eq!(new, CheckoutPaymentStatus::Other("refunded".into()));
        assert_eq!(serde_json::to_string(&new).unwrap(), "\"refunded\"");
    }
}
