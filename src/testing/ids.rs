//! Random identifiers in the shapes the real services hand out: opaque tokens,
//! shortuuids, API-key bodies, Stripe-like URLs.

/// ASCII letters and digits.
pub(crate) const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The 57-letter alphabet of Closient's shortuuids.
pub(crate) const SHORTUUID: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// `len` characters drawn from `alphabet`, with 127 random bits at a time.
pub(crate) fn random(alphabet: &[u8], len: usize) -> String {
    let base = alphabet.len().max(1) as u128;
    let mut out = String::with_capacity(len);
    let mut pool = 0u128;
    for _ in 0..len {
        if pool < base {
            pool = crate::runtime::random::u128() | (1 << 127);
        }
        out.push(char::from(alphabet[(pool % base) as usize]));
        pool /= base;
    }
    out
}

/// A unique request id, as FunnelFox's `req_id`.
pub(crate) fn request_id() -> String {
    crate::runtime::random::uuid().simple().to_string()
}
