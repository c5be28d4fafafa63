//! Intent journals, each through the same suite (`support/journal.rs`): memory
//! always; the file journal with the `journal-file` feature (on for this
//! crate's tests), reopened and opened again after its process was killed; and
//! PostgreSQL with the `postgres` feature, against a real server the test
//! starts on a free loopback port, shared by two stores that race one key. A
//! missing server fails these tests: it is never skipped.

mod support;

use billing_clients::runtime::intents::MemoryJournal;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_memory_journal_passes_the_suite() {
    support::journal::suite(Arc::new(MemoryJournal::new()), "memory").await;
}

#[cfg(feature = "journal-file")]
mod file {
    use super::support::journal::{self, existing, intent};
    use billing_clients::runtime::intents::{Begin, FileJournal, Journal, State};
    use std::io::{BufRead, BufReader};
    use std::path::PathBuf;
    use std::process::{Command, Stdio};
    use std::sync::Arc;

    /// A path in a new temporary directory of this test's.
    fn path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "billing-journal-{name}-{}-{}",
            std::process::id(),
            billing_clients::runtime::intents::now_ms()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("intents.redb")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_file_journal_passes_the_suite_and_keeps_it_when_reopened() {
        let path = path("suite");
        let journal = FileJournal::open(&path).unwrap();
        assert!(format!("{journal:?}").contains("intents.redb"));
        assert!(FileJournal::open(&path).is_err(), "one opener at a time");
        journal::suite(Arc::new(journal.clone()), "file").await;
        let open_before = journal.open().await.unwrap();
        let answered = journal.get("file-new").await.unwrap().unwrap();
        drop(journal);

        let reopened = FileJournal::open(&path).unwrap();
        assert_eq!(reopened.get("file-new").await.unwrap().unwrap(), answered);
        assert_eq!(reopened.open().await.unwrap(), open_before);
        assert_eq!(
            existing(reopened.begin(&intent("file-burst", "h", 1)).await.unwrap()).state,
            State::Sending
        );
        // The suite again on the reopened file: new keys, the old ones still there.
        journal::suite(Arc::new(reopened.clone()), "file-again").await;
        assert_eq!(reopened.get("file-new").await.unwrap().unwrap(), answered);
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    /// The child of the next test (it does nothing unless started by it): it
    /// writes an intent and its answer, says so, and waits to be killed.
    #[tokio::test]
    async fn child_writes_then_waits_to_be_killed() {
        let Ok(path) = std::env::var("BILLING_JOURNAL_CHILD") else {
            return;
        };
        let journal = FileJournal::open(&path).unwrap();
        assert_eq!(
            journal.begin(&intent("killed-answered", "h", 1)).await.unwrap(),
            Begin::Send
        );
        journal
            .set("killed-answered", &State::Answered("{\"id\":1}".into()))
            .await
            .unwrap();
        assert_eq!(
            journal.begin(&intent("killed-sending", "h", 2)).await.unwrap(),
            Begin::Send
        );
        println!("written");
        std::thread::sleep(std::time::Duration::from_secs(60));
        panic!("not killed");
    }

    /// A process that is SIGKILLed right after its writes resolved: its records
    /// are there, and its lock on the file is gone with it.
    #[tokio::test]
    async fn the_file_journal_survives_its_process_being_killed() {
        let path = path("killed");
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "file::child_writes_then_waits_to_be_killed",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("BILLING_JOURNAL_CHILD", &path)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert!(
            lines.any(|l| l.is_ok_and(|l| l.contains("written"))),
            "the child did not write its intents"
        );
        assert!(FileJournal::open(&path).is_err(), "the live child holds the file");
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let journal = FileJournal::open(&path).expect("opened after its holder was killed");
        let answered = journal.get("killed-answered").await.unwrap().unwrap();
        assert_eq!(answered.state, State::Answered("{\"id\":1}".into()));
        let open = journal.open().await.unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(
            (open[0].intent.key.as_str(), &open[0].state),
            ("killed-sending", &State::Sending)
        );
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_file_that_is_not_a_journal_is_refused() {
        let path = path("garbage");
        std::fs::write(&path, b"not a database, certainly not a journal").unwrap();
        assert!(FileJournal::open(&path).is_err());
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::support::journal::{self, intent, sends_across};
    use billing_clients::runtime::intents::{Begin, Journal, PostgresJournal, State};
    use billing_clients::testing::servers::PostgresServer;
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_postgres_journal_passes_the_suite_and_two_stores_race_to_one_send() {
        let server = PostgresServer::start().unwrap_or_else(|e| panic!("{e}"));
        let journal = PostgresJournal::connect(&server.url()).await.unwrap();
        assert_eq!(journal.table(), PostgresJournal::DEFAULT_TABLE);
        journal::suite(Arc::new(journal.clone()), "postgres").await;

        // Two replicas: two stores, two pools, one table. Each sees the
        // other's records, and racing one key they send it once.
        let other = PostgresJournal::connect(&server.url()).await.unwrap();
        let got = other.get("postgres-new").await.unwrap().unwrap();
        assert!(matches!(got.state, State::Answered(_)));
        let both: [Arc<dyn Journal>; 2] = [Arc::new(journal.clone()), Arc::new(other.clone())];
        for round in 0..4 {
            assert_eq!(
                sends_across(&both, &format!("race-{round}"), 32).await,
                1,
                "round {round}"
            );
        }
        // And after it did not happen, once again.
        other
            .set("race-0", &State::NotHappened("declined".into()))
            .await
            .unwrap();
        assert_eq!(sends_across(&both, "race-0", 32).await, 1);
        assert_eq!(journal.get("race-0").await.unwrap().unwrap().state, State::Sending);
    }

    /// Another table is another journal; names that are not identifiers are
    /// refused; the password never shows in `Debug` or in errors.
    #[tokio::test]
    async fn the_postgres_journal_takes_another_table_and_keeps_its_password() {
        let server = PostgresServer::start().unwrap_or_else(|e| panic!("{e}"));
        let journal = PostgresJournal::connect(&server.url()).await.unwrap();
        assert_eq!(journal.begin(&intent("k", "h", 1)).await.unwrap(), Begin::Send);
        let pool = PostgresJournal::pool(&server.url()).unwrap();
        let elsewhere = PostgresJournal::with_pool(pool, "public.other_intents").await.unwrap();
        assert_eq!(elsewhere.begin(&intent("k", "h", 1)).await.unwrap(), Begin::Send);
        for bad in ["x; DROP TABLE y", "a.b.c", "\"q\"", "", "1abc"] {
            let pool = PostgresJournal::pool(&server.url()).unwrap();
            assert!(PostgresJournal::with_pool(pool, bad).await.is_err(), "{bad:?}");
        }

        let secret = format!(
            "postgres://postgres:hunter2-secret@127.0.0.1:{}/postgres",
            server.port()
        );
        let store = PostgresJournal::connect(&secret).await.unwrap(); // trust: the password is unused
        assert!(!format!("{store:?}").contains("hunter2"));
        let bad_url = PostgresJournal::connect("postgres://u:hunter2@127.0.0.1:notaport/db")
            .await
            .unwrap_err();
        assert!(!bad_url.to_string().contains("hunter2"), "{bad_url}");
    }
}
