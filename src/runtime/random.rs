//! Values no one can predict or choose, from std's per-process random hash keys
//! (each `RandomState` is keyed afresh): multipart boundaries, webhook claim tokens
//! and the fakes' ids need no RNG crate.

use std::hash::BuildHasher;

/// 128 random bits.
pub(crate) fn u128() -> u128 {
    let keys = std::collections::hash_map::RandomState::new();
    (u128::from(keys.hash_one(1u8)) << 64) | u128::from(keys.hash_one(2u8))
}

/// A random (version 4) UUID.
pub(crate) fn uuid() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(u128().to_be_bytes()).into_uuid()
}
