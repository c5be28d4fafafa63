#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod closient;
mod error;
pub mod funnelfox;
pub mod runtime;
#[cfg(feature = "testing")]
pub mod testing;
mod timestamp;

pub use crate::runtime::retry::{RetryBudget, RetryPolicy};
pub use crate::runtime::spec::RetryClass;
pub use crate::runtime::upload::Upload;
pub use crate::runtime::{Builder, Call, CallOptions, Pages, http_client_builder, install_crypto_provider};
pub use error::{
    ApiError, DecodeError, Error, ErrorClass, FieldIssue, IntentError, IntentErrorKind, InvalidInput, RedirectError,
    Refusal, Result, TransportError, TransportKind, Violation,
};
pub use timestamp::{Timestamp, TimestampError};

/// The `rust_decimal` crate, whose `Decimal` the generated types use for money
/// (`"9.99".parse::<billing_clients::rust_decimal::Decimal>()`), at the version
/// this crate uses.
pub use rust_decimal;
/// The `uuid` crate, whose `Uuid` the generated types use for ids (orders,
/// subscriptions, events), at the version this crate uses.
pub use uuid;

/// A request body: the generated type itself, or its builder
/// (`types::OneClick::builder().pp_ident("pro")...`), whose conversion errors
/// become [`Error::InvalidInput`] naming the field and the rule.
pub trait IntoBody<T>: TryInto<T, Error: Into<runtime::validate::ConversionError>> {}

impl<T, B: TryInto<T, Error: Into<runtime::validate::ConversionError>>> IntoBody<T> for B {}
