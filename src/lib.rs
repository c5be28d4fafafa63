//! Typed, validated clients for the FunnelFox Billing and Closient Billing APIs.
//!
//! The pipeline is visible in the source tree: the vendored OpenAPI specs in
//! `specs/` are corrected and turned into typed clients by `build.rs` (with
//! `codegen/`); [`funnelfox`] and [`closient`] are thin wrappers over them; the
//! shared core ([`core`]) sends every request: auth headers where the spec asks for
//! them, client-side validation of every declared constraint, retries that never
//! re-send a charge, timeouts, bounded response reads, and one [`Error`] type.
#![warn(missing_docs)]

pub mod closient;
pub mod core;
mod error;
pub mod funnelfox;
#[cfg(feature = "testing")]
pub mod testing;

pub use crate::core::retry::RetryPolicy;
pub use crate::core::{Builder, CallOptions};
pub use error::{
    ApiError, DecodeError, Error, FieldIssue, InvalidInput, Result, TransportError, TransportKind,
    Violation,
};

/// A request body: the generated type itself, or its builder
/// (`types::OneClick::builder().pp_ident("pro")...`), whose conversion errors
/// become [`Error::InvalidInput`] naming the field and the rule.
pub trait IntoBody<T>: TryInto<T, Error: std::fmt::Display> {}

impl<T, B: TryInto<T, Error: std::fmt::Display>> IntoBody<T> for B {}
