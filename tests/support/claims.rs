//! The one test suite every webhook claim store passes (memory, Redis, ...):
//! one claimant at a time, also under a burst of concurrent claims; done keys
//! stay done; a released or expired claim is claimable again; a token that no
//! longer holds the claim changes nothing.

use billing_clients::funnelfox::webhooks::{Claim, ClaimToken, Deduplicator};
use std::sync::Arc;
use std::time::{Duration, Instant};

const LEASE: Duration = Duration::from_secs(60);

fn claimed(c: Claim) -> ClaimToken {
    match c {
        Claim::Claimed(token) => token,
        other => panic!("not claimed: {other:?}"),
    }
}

/// Take the store's `server` down with `stop`: a claim is an error, soon. Bring
/// it back with `start`: claims work again (the store reconnects by itself).
pub async fn down_and_back<S>(store: &dyn Deduplicator, server: &mut S, stop: fn(&mut S), start: fn(&mut S)) {
    stop(server);
    let asked = Instant::now();
    assert!(store.claim("while-down", LEASE).await.is_err());
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "a store that is down answers soon"
    );
    start(server);
    let mut back = false;
    for _ in 0..50 {
        if store.claim("after", LEASE).await.is_ok() {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "claims work again once the server is back");
}

/// Run the suite on `store`; keys are prefixed with `run` so a shared store
/// can be reused.
pub async fn suite(store: Arc<dyn Deduplicator>, run: &str) {
    let key = |k: &str| format!("{run}:{k}");

    let a = key("a");
    let token = claimed(store.claim(&a, LEASE).await.unwrap());
    assert_eq!(store.claim(&a, LEASE).await.unwrap(), Claim::InProgress);
    store.complete(&a, &token).await.unwrap();
    assert_eq!(store.claim(&a, LEASE).await.unwrap(), Claim::Done);

    let failed = key("failed");
    let token = claimed(store.claim(&failed, LEASE).await.unwrap());
    store.release(&failed, &token).await.unwrap();
    let again = claimed(store.claim(&failed, LEASE).await.unwrap());
    store.complete(&failed, &token).await.unwrap();
    assert_eq!(
        store.claim(&failed, LEASE).await.unwrap(),
        Claim::InProgress,
        "a stale token completes nothing"
    );
    store.release(&failed, &token).await.unwrap();
    assert_eq!(
        store.claim(&failed, LEASE).await.unwrap(),
        Claim::InProgress,
        "nor releases"
    );
    store.complete(&failed, &again).await.unwrap();
    assert_eq!(store.claim(&failed, LEASE).await.unwrap(), Claim::Done);

    let died = key("died");
    let dead = claimed(store.claim(&died, Duration::from_millis(50)).await.unwrap());
    tokio::time::sleep(Duration::from_millis(120)).await;
    let next = claimed(store.claim(&died, LEASE).await.unwrap());
    store.complete(&died, &dead).await.unwrap();
    assert_eq!(store.claim(&died, LEASE).await.unwrap(), Claim::InProgress);
    store.complete(&died, &next).await.unwrap();
    assert_eq!(store.claim(&died, LEASE).await.unwrap(), Claim::Done);

    // A burst of copies of one event: exactly one claim.
    let burst = key("burst");
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (store, burst) = (store.clone(), burst.clone());
            tokio::spawn(async move { store.claim(&burst, LEASE).await.unwrap() })
        })
        .collect();
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Claim::Claimed(_) => won += 1,
            Claim::InProgress => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(won, 1, "one claimant among 32 concurrent copies");
}
