//! `from_env()` for both clients. One test in its own binary: it changes the
//! process environment, which no other test may see.

use billing_clients::{closient, funnelfox};

#[test]
fn clients_from_the_environment() {
    let set = |k: &str, v: &str| unsafe { std::env::set_var(k, v) }; // SAFETY: the only test in this binary
    let unset = |k: &str| unsafe { std::env::remove_var(k) };

    unset("FUNNELFOX_ORG_ID");
    let e = funnelfox::Client::from_env().unwrap_err();
    assert_eq!(e.invalid_input().unwrap().field, "FUNNELFOX_ORG_ID");
    set("FUNNELFOX_ORG_ID", "org_env");
    assert_eq!(
        funnelfox::Client::from_env().unwrap().base_url(),
        "https://billing.funnelfox.com/org_env/v1"
    );
    set("FUNNELFOX_SECRET_KEY", "a key with spaces");
    let e = funnelfox::Client::from_env().unwrap_err();
    assert_eq!(e.invalid_input().unwrap().field, "FUNNELFOX_SECRET_KEY");
    assert!(e.is_configuration() && e.is_invalid_input());
    set("FUNNELFOX_SECRET_KEY", "ff_sk_env");
    set("FUNNELFOX_BASE_URL", "ftp://example.com/{org_id}/v1");
    assert_eq!(
        funnelfox::Client::from_env()
            .unwrap_err()
            .invalid_input()
            .unwrap()
            .field,
        "FUNNELFOX_BASE_URL"
    );
    set("FUNNELFOX_BASE_URL", "http://127.0.0.1:9/{org_id}/v1");
    let ff = funnelfox::Client::from_env().unwrap();
    assert_eq!(ff.base_url(), "http://127.0.0.1:9/org_env/v1");
    assert!(!format!("{ff:?}").contains("ff_sk_env"));

    unset("CLOSIENT_API_KEY");
    assert_eq!(
        closient::Client::from_env().unwrap_err().invalid_input().unwrap().field,
        "CLOSIENT_API_KEY"
    );
    set("CLOSIENT_API_KEY", "csu_not_a_key");
    let e = closient::Client::from_env().unwrap_err();
    // The variable, not the header it would be sent in; the set-up, not an input.
    assert_eq!(e.invalid_input().unwrap().field, "CLOSIENT_API_KEY");
    assert_eq!(e.class(), billing_clients::ErrorClass::Configuration);
    assert!(e.to_string().contains("CLOSIENT_API_KEY"), "{e}");
    set(
        "CLOSIENT_API_KEY",
        &closient::api_key::with_checksum("csu", "0123456789abcdefghijABCDEFGHIJ01"),
    );
    set("CLOSIENT_BASE_URL", "ftp://example.com");
    assert_eq!(
        closient::Client::from_env().unwrap_err().invalid_input().unwrap().field,
        "CLOSIENT_BASE_URL"
    );
    set(
        "CLOSIENT_API_KEY",
        &closient::api_key::with_checksum("csu", "0123456789abcdefghijABCDEFGHIJ01"),
    );
    set("CLOSIENT_BASE_URL", "http://localhost:9/billing/api/v1");
    assert_eq!(
        closient::Client::from_env().unwrap().base_url(),
        "http://localhost:9/billing/api/v1"
    );
}
