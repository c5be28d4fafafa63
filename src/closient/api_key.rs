//! Closient API keys are `<prefix>_<body>_<checksum>`: prefix `csb` (business),
//! `csu` (user) or `cpk` (publishable); a 32-character ASCII alphanumeric body; and
//! the CRC-32 of the body as 8 lowercase hex digits. Checked before any request, as
//! Closient's docs invite; errors never repeat the key.

use crate::error::{InvalidInput, Violation};

/// The kinds of Closient API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// `csb_`: a business key, for servers.
    Business,
    /// `csu_`: a user key.
    User,
    /// `cpk_`: a publishable key, for front ends.
    Publishable,
}

fn bad(why: &str) -> InvalidInput {
    InvalidInput::new(None, "X-API-Key", Violation::Format(why.to_string()))
}

/// Check the format and checksum of a Closient API key.
pub fn check(key: &str) -> Result<KeyKind, InvalidInput> {
    let mut parts = key.split('_');
    let (Some(prefix), Some(body), Some(sum), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad("must be <prefix>_<32-character body>_<8-hex-digit checksum>"));
    };
    let kind = match prefix {
        "csb" => KeyKind::Business,
        "csu" => KeyKind::User,
        "cpk" => KeyKind::Publishable,
        _ => return Err(bad("must start with csb_, csu_ or cpk_")),
    };
    if body.len() != 32 || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(bad("must have a body of 32 ASCII letters or digits"));
    }
    if sum.len() != 8 || !sum.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(bad("must end with 8 lowercase hex digits"));
    }
    if format!("{:08x}", crc32fast::hash(body.as_bytes())) != sum {
        return Err(bad(
            "has a checksum that does not match its body (mistyped or truncated?)",
        ));
    }
    Ok(kind)
}

/// A well-formed key with the given prefix and body (for tests and fakes).
pub fn with_checksum(prefix: &str, body: &str) -> String {
    format!("{prefix}_{body}_{:08x}", crc32fast::hash(body.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_well_formed_keys_and_rejects_others() {
        let body = "abcdefghijklmnopqrstuvwxyz012345";
        let good = with_checksum("csb", body);
        assert_eq!(check(&good), Ok(KeyKind::Business));
        assert_eq!(check(&with_checksum("cpk", body)), Ok(KeyKind::Publishable));
        let flipped = good.replace("_abc", "_abd");
        assert!(check(&flipped).unwrap_err().to_string().contains("checksum"));
        assert!(check(&with_checksum("xyz", body)).is_err());
        assert!(check(&with_checksum("csb", "short")).is_err());
        assert!(check("csb_abc").is_err());
        assert!(!check(&flipped).unwrap_err().to_string().contains(body));
    }
}
