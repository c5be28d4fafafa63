//! The FunnelFox back office: assets, a partial refund, a pause and resume, a migration dry run, the report.

use crate::show;
use billing_clients::Result;
use billing_clients::funnelfox::{self, types as ff};

/// The server side: what the user owns, a partial refund, a pause and resume, a
/// migration dry run, and the transaction report walked page by page. Changes
/// are made on the fake only; against the real service only reads run.
pub(crate) async fn back_office(
    client: &funnelfox::Client,
    user: &str,
    other_pp: &str,
    paid_order: Option<uuid::Uuid>,
    on_fake: bool,
) -> Result<()> {
    println!("FunnelFox back office");
    let mine = show(
        format!("my_assets(user={user})"),
        client.my_assets(ff::UserInfoIn::builder().external_id(user)).await,
        |a| {
            let subs: Vec<String> = a
                .subscriptions
                .iter()
                .map(|s| {
                    let statuses: Vec<String> = s.status.iter().map(|x| x.to_string()).collect();
                    format!(
                        "{} [{}] active={}",
                        s.price_point.ident,
                        statuses.join(", "),
                        s.is_active
                    )
                })
                .collect();
            format!(
                "entitled to: {}",
                if subs.is_empty() {
                    "nothing".into()
                } else {
                    subs.join("; ")
                }
            )
        },
    )?;
    // One that can move to the other price point.
    let subs_id = mine
        .subscriptions
        .iter()
        .find(|s| s.price_point.ident != other_pp)
        .map(|s| s.subs_id);
    if let (true, Some(order)) = (on_fake, paid_order) {
        let amount: rust_decimal::Decimal = "2.50".parse().expect("a decimal");
        show(
            format!("payment_refund(order={order}, amount={amount}, soft)"),
            client
                .payment_refund(
                    ff::RefundIn::builder()
                        .external_id(user)
                        .order_id(order)
                        .amount(Some(amount))
                        .soft_refund(Some(true)),
                )
                .await,
            |_| "refunded; the subscription stays active".into(),
        )?;
    }
    if let (true, Some(subs)) = (on_fake, subs_id) {
        show(
            format!("subscription_pause(subs={subs}) until resumed"),
            client
                .subscription_pause(ff::SubsPauseIn::builder().subs_id(subs))
                .await,
            |_| "paused".into(),
        )?;
        show(
            format!("subscription_resume(subs={subs})"),
            client
                .subscription_resume(ff::SubsResumeIn::builder().subs_id(subs))
                .await,
            |_| "resumed".into(),
        )?;
    }
    if let Some(subs) = subs_id {
        show(
            format!("subscription_migration(subs={subs}, to={other_pp}, dry run)"),
            client
                .subscription_migration(
                    ff::MigrationIn::builder()
                        .subs_id(subs)
                        .pp_ident(other_pp)
                        .dry_run(Some(true)),
                )
                .await,
            |m| {
                let due = m
                    .charged_amount
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "nothing".into());
                format!("would use {}, charging {due} now", m.migration_strategy)
            },
        )?;
    }
    println!("  transaction_report_pages(from 2026-01-01, 2 per page)");
    let from: billing_clients::Timestamp = "2026-01-01T00:00:00".parse().expect("a timestamp");
    let mut pages = client.transaction_report_pages(
        ff::TransactionReportIn::builder()
            .last_transaction_date(from)
            .limit(std::num::NonZeroU64::new(2).expect("non-zero")),
    );
    while let Some(trx) = pages.next().await {
        let trx = trx?;
        let amount = trx.amount.map(|a| a.to_string()).unwrap_or_default();
        let kind = trx.psp_transaction_type.clone().unwrap_or_default();
        let at = trx.trx_created_at.map(|t| t.to_string()).unwrap_or_default();
        println!(
            "      {at}  {kind:<6} {amount:>6} {}  order {}",
            trx.currency_code.unwrap_or_default(),
            trx.order_id
        );
    }
    Ok(())
}
