//! Inputs that make the fake fail on purpose, so tests can cover recovery paths
//! and not only the happy one. Documented in one table on [`super::FakeFunnelFox`].

use super::PaymentOutcome;

/// A price point whose charges are declined.
pub(super) const DECLINED_PP: &str = "magic_declined";
/// A payment method token whose charges are declined.
pub(super) const DECLINED_TOKEN: &str = "pm_card_declined";
/// A price point whose charges need 3-D Secure.
pub(super) const THREE_DS_PP: &str = "magic_3ds";
/// A payment method token whose charges need 3-D Secure.
pub(super) const THREE_DS_TOKEN: &str = "pm_card_3ds";
/// `magic_renewal_fails_N`: the first N renewals fail, the next succeeds.
pub(super) const RENEWAL_FAILS: &str = "magic_renewal_fails_";
/// A user whose charge is taken, then the connection drops before the answer.
pub(super) const DROP_AFTER_CHARGE: &str = "magic_drop_after_charge";
/// A user whose charge is taken, then the answer is held until the client gives up.
pub(super) const HOLD_AFTER_CHARGE: &str = "magic_hold_after_charge";

/// What a magic user makes of the answer to a charge, if anything.
pub(super) fn after_charge(external_id: &str) -> Option<super::Mishap> {
    match external_id {
        DROP_AFTER_CHARGE => Some(super::Mishap::DroppedAfterWork),
        HOLD_AFTER_CHARGE => Some(super::Mishap::HeldAfterWork),
        _ => None,
    }
}

/// The outcome a magic price point or token forces on a charge, if any.
pub(super) fn forced(pp_ident: &str, token: Option<&str>) -> Option<PaymentOutcome> {
    if pp_ident == DECLINED_PP || token == Some(DECLINED_TOKEN) {
        return Some(PaymentOutcome::failed("Your card was declined."));
    }
    if pp_ident == THREE_DS_PP || token == Some(THREE_DS_TOKEN) {
        return Some(PaymentOutcome::ActionRequired);
    }
    None
}

/// How many renewals of this price point fail before one succeeds.
pub(super) fn renewal_failures(pp_ident: &str) -> u32 {
    pp_ident
        .strip_prefix(RENEWAL_FAILS)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// An answer body that fails after the headers: the connection drops.
pub(super) struct Dropped;

impl futures_core::Stream for Dropped {
    type Item = Result<axum::body::Bytes, std::io::Error>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::other(
            "the fake dropped the connection on purpose",
        ))))
    }
}

/// An answer body that never comes: the client waits until it gives up.
pub(super) struct Held;

impl futures_core::Stream for Held {
    type Item = Result<axum::body::Bytes, std::io::Error>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        // Never woken: the connection's end drops it.
        std::task::Poll::Pending
    }
}
