//! Forward compatibility of the generated models: a field or value a provider
//! adds is neither a decode error nor lost. Every struct keeps the fields this
//! version does not know in `extra` and sends them back; every type is
//! `#[non_exhaustive]` and built with its builder, so a new optional field in a
//! spec is not a breaking change (BENCHMARKS.md, "Semver check", shows the semver check agreeing).

use billing_clients::funnelfox::types as t;
use billing_clients::testing::FakeFunnelFox;
use rust_decimal::Decimal;
use serde_json::json;

/// A read-modify-write of a price point keeps a field the crate does not know:
/// read it (kept in `extra`), change one field, send it back with `/pp/update`.
#[tokio::test]
async fn unknown_fields_survive_a_read_modify_write() {
    let fake = FakeFunnelFox::start().await;
    let c = fake.client();
    let mut newer = serde_json::Map::new();
    newer.insert("tax_category".into(), json!({"code": "digital", "rate": "0.2"}));
    c.pp_create(
        t::PricePointCreateIn::builder()
            .ident("pro")
            .intro_type(t::IntroTypeEnum::NoIntro)
            .currency_code("USD")
            .next_price(Some(Decimal::new(999, 2)))
            .features(t::PricePointCreateInFeatures::String(String::new()))
            .extra(newer.clone()),
    )
    .await
    .unwrap();

    let read = c.pp_list(t::FilterPointIn::builder()).await.unwrap();
    let pp = &read.price_points[0];
    assert_eq!(pp.extra, newer, "an unknown answer field is kept");

    c.pp_update(
        t::PricePointPatchIn::builder()
            .origin_ident(Some(pp.ident.clone()))
            .next_price(Some(Decimal::new(1299, 2)))
            .extra(pp.extra.clone()),
    )
    .await
    .unwrap();
    let sent = fake.requests().into_iter().rfind(|r| r.is("pp_update")).unwrap();
    assert_eq!(
        sent.body["tax_category"], newer["tax_category"],
        "and sent back as read"
    );
    assert_eq!(sent.body["next_price"], "12.99");

    let after = c.pp_list(t::FilterPointIn::builder()).await.unwrap();
    let pp = &after.price_points[0];
    assert_eq!(pp.next_price, Some(Decimal::new(1299, 2)));
    assert_eq!(pp.extra, newer);
}

/// What a value does not know is serialised back as it came.
#[test]
fn a_value_round_trips_with_fields_it_does_not_know() {
    let answer = json!({
        "ident": "pro",
        "currency": {"code": "USD", "minor_units": 2, "title": "US dollar", "symbol": "$", "iso": 840},
        "intro_type": "no_intro",
        "launch_wave": 3,
    });
    let pp: t::PricePointAdminOut = serde_json::from_value(answer.clone()).unwrap();
    assert_eq!(pp.extra["launch_wave"], 3);
    assert_eq!(pp.currency.extra["iso"], 840, "nested objects keep theirs too");
    assert_eq!(serde_json::to_value(&pp).unwrap(), answer);
}

/// An unknown field may be a secret: `Debug` shows its name, never its value.
#[test]
fn debug_names_unknown_fields_without_their_values() {
    let pp: t::PricePointAdminOut = serde_json::from_value(json!({
        "ident": "pro",
        "currency": {"code": "USD", "minor_units": 2, "title": "USD", "symbol": "$"},
        "intro_type": "no_intro",
        "payout_token": "tok_live_5ecret",
    }))
    .unwrap();
    let shown = format!("{pp:?}");
    assert!(shown.contains("payout_token"), "{shown}");
    assert!(!shown.contains("tok_live_5ecret"), "{shown}");
    let builder = t::PricePointPatchIn::builder().extra(pp.extra.clone());
    assert!(!format!("{builder:?}").contains("tok_live_5ecret"));
}
