//! The pattern matcher: each of the spec's patterns is a `static Pattern` of the
//! generated schema tables, compiled on first use, with a table for the common
//! `^[class]{m,n}$`.

use std::fmt;
use std::sync::OnceLock;

/// One pattern of the spec, compiled on first use with the engine typify uses
/// (`regress`); one that does not compile rejects every value rather than
/// panicking. The common shape `^[class]{m,n}$` (an ASCII class of literals and
/// ranges, repeated `{n}`, `{m,n}`, `{m,}`, `+` or `*`) is matched by a table
/// instead, with the same answers.
pub struct Pattern {
    text: &'static str,
    compiled: OnceLock<Compiled>,
}

impl Pattern {
    /// The pattern `text` (ECMA-262), not compiled yet.
    pub const fn new(text: &'static str) -> Self {
        Self {
            text,
            compiled: OnceLock::new(),
        }
    }

    /// The pattern as the spec writes it.
    pub fn as_str(&self) -> &'static str {
        self.text
    }

    /// Whether `s` matches.
    pub fn matches(&self, s: &str) -> bool {
        self.compiled.get_or_init(|| Compiled::new(self.text)).matches(s)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.text)
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text)
    }
}

/// A compiled pattern.
enum Compiled {
    Simple(Simple),
    Regex(regress::Regex),
    Invalid,
}

impl Compiled {
    fn new(pattern: &str) -> Self {
        match (Simple::parse(pattern), regress::Regex::new(pattern)) {
            (_, Err(_)) => Compiled::Invalid,
            (Some(simple), Ok(_)) => Compiled::Simple(simple),
            (None, Ok(re)) => Compiled::Regex(re),
        }
    }

    fn matches(&self, s: &str) -> bool {
        match self {
            Compiled::Simple(simple) => simple.matches(s),
            Compiled::Regex(re) => re.find(s).is_some(),
            Compiled::Invalid => false,
        }
    }
}

/// `^[class]{min,max}$` over ASCII: without flags, ECMAScript anchors `^` and `$`
/// at the ends of the input, so a string matches when it is `min` to `max`
/// characters, each in the class (no other character is: the class is ASCII).
struct Simple {
    class: [bool; 128],
    min: usize,
    max: usize,
}

impl Simple {
    fn parse(pattern: &str) -> Option<Self> {
        let (class, repeat) = pattern.strip_prefix("^[")?.strip_suffix('$')?.split_once(']')?;
        let (min, max) = match repeat {
            "+" => (1, usize::MAX),
            "*" => (0, usize::MAX),
            braces => {
                let inner = braces.strip_prefix('{')?.strip_suffix('}')?;
                let number = |n: &str| match n.bytes().all(|b| b.is_ascii_digit()) {
                    true => n.parse::<usize>().ok(),
                    false => None,
                };
                match inner.split_once(',') {
                    None => (number(inner)?, number(inner)?),
                    Some((min, "")) => (number(min)?, usize::MAX),
                    Some((min, max)) => (number(min)?, number(max)?),
                }
            }
        };
        let bytes = class.as_bytes();
        if min > max
            || bytes.is_empty()
            || bytes[0] == b'^'
            || !bytes.iter().all(|b| b.is_ascii() && !b"\\[]".contains(b))
        {
            return None;
        }
        let mut set = [false; 128];
        let mut i = 0;
        while i < bytes.len() {
            if i + 2 < bytes.len() && bytes[i + 1] == b'-' {
                let (from, to) = (bytes[i], bytes[i + 2]);
                if from > to {
                    return None;
                }
                (from..=to).for_each(|b| set[b as usize] = true);
                i += 3;
            } else {
                set[bytes[i] as usize] = true;
                i += 1;
            }
        }
        Some(Simple { class: set, min, max })
    }

    fn matches(&self, s: &str) -> bool {
        (self.min..=self.max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii() && self.class[b as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table answers as the regex engine does.
    #[test]
    fn simple_patterns_match_as_regress_does() {
        let patterns = [
            "^[a-z]{1,20}$",
            "^[-A-Za-z_0-9]{1,256}$",
            "^[-A-Za-z_0-9_ .]{1,22}$",
            "^[23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz]{22}$",
            "^[a-c-]+$",
            "^[!--]*$",
            "^[0-9]{2,}$",
        ];
        let inputs = [
            "",
            "a",
            "abc",
            "default",
            "Default",
            "pro_monthly",
            "pro-monthly.2",
            "a b",
            "a\n",
            "é",
            "ab\u{1F600}",
            "2aBcDeFgHiJkLmNoPqRsTu",
            "2aBcDeFgHiJkLmNoPqRsT0",
            "--",
            "!#,-",
            "12",
            "1",
            "123456",
            "-abc-",
            &"x".repeat(20),
            &"x".repeat(21),
            &"y".repeat(256),
            &"y".repeat(257),
        ];
        for pattern in patterns {
            let simple = Simple::parse(pattern).unwrap_or_else(|| panic!("{pattern} is simple"));
            let re = regress::Regex::new(pattern).unwrap();
            for input in inputs {
                assert_eq!(
                    simple.matches(input),
                    re.find(input).is_some(),
                    "{pattern} on {input:?}"
                );
            }
        }
        for other in [
            "^[a-z]{1,20}",
            "[a-z]+$",
            "^[^a-z]+$",
            "^[\\d]+$",
            "^[a-z]{,3}$",
            "^[a-z]+?$",
            "^(a|b)$",
            "^[z-a]$",
            "^[]$",
        ] {
            assert!(Simple::parse(other).is_none(), "{other}");
        }
    }
}
