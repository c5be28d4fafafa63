//! Money in doubt across processes: a buyer process (this test binary run
//! again) is SIGKILLed while its charge's answer is held, and a new process
//! finds the intent in its journal file and resolves it; two buyer processes
//! sharing PostgreSQL race one intent and one request reaches the fake.
//! Requests are counted at the fake.

use billing_clients::funnelfox::{self, types as t};
use billing_clients::runtime::intents::{FileJournal, Journal, Settled, State};
use billing_clients::testing::FakeFunnelFox;
use std::io::BufRead as _;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const KEY: &str = "upgrade-7781";
const HELD: &str = "magic_hold_after_charge";

/// The journal at `place`: a PostgreSQL URL, or a file.
async fn journal(place: &str) -> Arc<dyn Journal> {
    #[cfg(feature = "postgres")]
    if place.starts_with("postgres") {
        let pg = billing_clients::runtime::intents::PostgresJournal::connect(place).await;
        return Arc::new(pg.unwrap());
    }
    Arc::new(FileJournal::open(place).unwrap())
}

fn client(fake: &FakeFunnelFox, journal: Arc<dyn Journal>) -> funnelfox::Client {
    funnelfox::Client::builder(fake.org_id())
        .base_url(fake.server_url())
        .secret_key(fake.secret_key())
        .journal(journal)
        .build()
        .unwrap()
}

/// The buyer: one one-click purchase of user `BUYER_USER` with intent `KEY`,
/// through a client of the fake at `BUYER_URL` whose journal is at
/// `BUYER_JOURNAL`, sent at `BUYER_AT_MS` (Unix ms) when given. Prints what
/// it got: `outcome sent|recorded|found|in_doubt|error`.
#[tokio::test]
#[ignore = "a child process of the tests below"]
async fn buyer_process() {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by the parent"));
    let journal = journal(&var("BUYER_JOURNAL")).await;
    let c = funnelfox::Client::builder(var("BUYER_ORG"))
        .base_url(var("BUYER_URL"))
        .secret_key(var("BUYER_SECRET"))
        .journal(journal)
        .build()
        .unwrap();
    if let Ok(at) = std::env::var("BUYER_AT_MS") {
        let wait = at.parse::<i64>().unwrap() - billing_clients::runtime::intents::now_ms();
        tokio::time::sleep(Duration::from_millis(wait.max(0) as u64)).await;
    }
    println!("ready");
    let buy = t::OneClick::builder()
        .external_id(var("BUYER_USER"))
        .pp_ident("pro_monthly");
    let outcome = match c.one_click(buy).intent(KEY).await {
        Ok(Settled::Sent(_)) => "sent",
        Ok(Settled::Recorded(_)) => "recorded",
        Ok(_) => "found",
        Err(e) if e.is_intent_in_doubt() => "in_doubt",
        Err(_) => "error",
    };
    println!("outcome {outcome}");
}

/// A buyer process; SIGKILLed when dropped.
struct Buyer(Child);

impl Buyer {
    fn start(fake: &FakeFunnelFox, journal: &str, user: &str, at_ms: Option<i64>) -> Self {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "buyer_process",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("BUYER_JOURNAL", journal)
            .env("BUYER_ORG", fake.org_id())
            .env("BUYER_URL", fake.server_url())
            .env("BUYER_SECRET", fake.secret_key())
            .env("BUYER_USER", user)
            .stdout(Stdio::piped());
        if let Some(at) = at_ms {
            command.env("BUYER_AT_MS", at.to_string());
        }
        Self(command.spawn().unwrap())
    }

    /// What it printed as its outcome, once it ended.
    fn outcome(mut self) -> String {
        let stdout = std::io::BufReader::new(self.0.stdout.take().unwrap());
        // Read to the end: a child writing to a closed pipe fails.
        let lines: Vec<String> = stdout.lines().map_while(Result::ok).collect();
        let outcome = lines
            .iter()
            .find_map(|line| line.split_once("outcome ").map(|(_, o)| o.trim().to_string()))
            .unwrap_or_default();
        self.0.wait().unwrap();
        outcome
    }
}

impl Drop for Buyer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn shop() -> FakeFunnelFox {
    let fake = FakeFunnelFox::start().await;
    fake.add_price_point("pro_monthly");
    fake.add_user(HELD, true);
    fake.add_user("user-42", true);
    fake
}

#[tokio::test(flavor = "multi_thread")]
async fn a_buyer_killed_while_its_answer_is_held_leaves_an_intent_that_resolves_to_the_fakes_order() {
    let fake = shop().await;
    let dir = std::env::temp_dir().join(format!("billing-intents-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("journal.redb");
    let buyer = Buyer::start(&fake, file.to_str().unwrap(), HELD, None);
    // The fake takes the charge, then holds the answer: wait for the charge.
    let plain = fake.client();
    let deadline = Instant::now() + Duration::from_secs(60);
    let order = loop {
        let history = plain
            .payments_history(t::UserInfoIn::builder().external_id(HELD))
            .await
            .unwrap();
        if let Some(payment) = history.payments.first() {
            break payment.order_id;
        }
        assert!(Instant::now() < deadline, "the buyer's charge never reached the fake");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    drop(buyer); // SIGKILL, the answer still held

    // A new process's client on the same journal.
    let c = client(&fake, journal(file.to_str().unwrap()).await);
    let open = c.intents().in_doubt().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!((open[0].intent.key.as_str(), &open[0].state), (KEY, &State::Sending));
    let state = c.intents().resolve(KEY).await.unwrap().unwrap();
    let State::Happened(found) = state else {
        panic!("{state:?}");
    };
    assert_eq!(
        found["order_id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap(),
        order
    );
    let buy = t::OneClick::builder().external_id(HELD).pp_ident("pro_monthly");
    let again = c.one_click(buy).intent(KEY).await.unwrap();
    assert!(matches!(&again, Settled::Found(f) if *f == found), "{again:?}");
    assert_eq!(fake.count("one_click"), 1, "one charge in all");
    assert!(c.intents().in_doubt().await.unwrap().is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread")]
async fn two_buyers_sharing_postgresql_race_one_intent_and_one_request_reaches_the_fake() {
    use billing_clients::testing::servers::PostgresServer;
    let server = PostgresServer::start().unwrap_or_else(|e| panic!("{e}"));
    let fake = shop().await;
    // Both wait for one instant, then send: the journal's unique key decides.
    let at = billing_clients::runtime::intents::now_ms() + 1500;
    let buyers = [0, 1].map(|_| Buyer::start(&fake, &server.url(), "user-42", Some(at)));
    let mut outcomes: Vec<String> = buyers.into_iter().map(Buyer::outcome).collect();
    outcomes.sort();
    println!("outcomes: {outcomes:?}");
    assert_eq!(fake.count("one_click"), 1, "{outcomes:?}");
    assert!(
        outcomes == ["in_doubt", "sent"] || outcomes == ["recorded", "sent"],
        "one sent, the other saw it in flight or answered: {outcomes:?}"
    );
}
