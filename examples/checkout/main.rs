//! A checkout, start to finish, printed as a transcript.
//!
//! By default it runs against the embedded fake servers (`billing_clients::testing`);
//! set `FUNNELFOX_ORG_ID` (and optionally `FUNNELFOX_SECRET_KEY`, `FUNNELFOX_BASE_URL`,
//! `FUNNELFOX_PP_IDENT`, `FUNNELFOX_PP_IDENT_2`, `FUNNELFOX_EXTERNAL_ID`) or
//! `CLOSIENT_API_KEY` and `CLOSIENT_ORG_ID` (optionally `CLOSIENT_BASE_URL`) to talk
//! to the real services instead.
//!
//! ```sh
//! cargo run --example checkout
//! ```

mod a_month;
mod back_office;
mod closient_checkout;
mod funnelfox_checkout;
mod webhook_endpoint;

use billing_clients::Result;
use closient_checkout::closient_checkout;
use funnelfox_checkout::funnelfox_checkout;
use std::fmt::Display;

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    funnelfox_checkout().await?;
    println!();
    closient_checkout().await
}

/// Print one call and its result; return the value.
pub(crate) fn show<T>(call: impl Display, result: Result<T>, describe: impl FnOnce(&T) -> String) -> Result<T> {
    match &result {
        Ok(v) => println!("  {call}\n      -> {}", describe(v)),
        Err(e) => println!("  {call}\n      -> error: {e}"),
    }
    result
}
