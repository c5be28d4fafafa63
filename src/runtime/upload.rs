//! `multipart/form-data` request bodies (FunnelFox's CSV import), encoded here so a
//! body stays plain bytes: checked like any other, sent once, re-sent only as the
//! retry table allows.

use bytes::Bytes;
use serde_json::Value;

/// A file for an operation that uploads one.
///
/// ```
/// let csv = billing_clients::Upload::new("prices.csv", "ident,price\npro,9.99\n").content_type("text/csv");
/// assert_eq!(csv.filename(), "prices.csv");
/// ```
#[derive(Clone)]
pub struct Upload {
    filename: String,
    content_type: String,
    data: Bytes,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the contents: an upload may carry personal data.
        f.debug_struct("Upload")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &self.data.len())
            .finish()
    }
}

impl Upload {
    /// A file of this name and contents (`application/octet-stream` until said otherwise).
    pub fn new(filename: impl Into<String>, data: impl Into<Bytes>) -> Self {
        Self {
            filename: filename.into(),
            content_type: "application/octet-stream".into(),
            data: data.into(),
        }
    }

    /// Its media type, e.g. `text/csv`.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// Its file name.
    pub fn filename(&self) -> &str {
        &self.filename
    }
}

/// One part of a form.
pub(crate) enum Part {
    Text(Value),
    File(Upload),
}

/// The form as bytes and its `Content-Type` (with a boundary no part contains).
pub(crate) fn encode(parts: &[(&'static str, Part)]) -> (Bytes, String) {
    let mut seed = random_hex();
    let contains = |b: &str| {
        parts.iter().any(|(_, p)| match p {
            Part::File(u) => u.data.windows(b.len()).any(|w| w == b.as_bytes()),
            Part::Text(v) => crate::runtime::url::query_value(v).contains(b),
        })
    };
    while contains(&seed) {
        seed = random_hex();
    }
    let boundary = format!("billing-clients-{seed}");
    let quote = |s: &str| s.replace(['"', '\r', '\n'], "_");
    let mut out = Vec::new();
    for (name, part) in parts {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match part {
            Part::Text(v) => {
                let head = format!("Content-Disposition: form-data; name=\"{}\"\r\n\r\n", quote(name));
                out.extend_from_slice(head.as_bytes());
                out.extend_from_slice(crate::runtime::url::query_value(v).as_bytes());
            }
            Part::File(u) => {
                let head = format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                    quote(name),
                    quote(&u.filename),
                    quote(&u.content_type)
                );
                out.extend_from_slice(head.as_bytes());
                out.extend_from_slice(&u.data);
            }
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (out.into(), format!("multipart/form-data; boundary={boundary}"))
}

/// 32 random hex digits.
fn random_hex() -> String {
    format!("{:032x}", super::random::u128())
}
