//! The fleet test's parts: endpoint processes (this test binary run again) and
//! a loopback balancer that sends each delivery to two replicas at once, as a
//! FunnelFox re-send of a slow answer would, and re-sends some later.

use billing_clients::funnelfox::webhooks::Deduplicator;
use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The claim store at `url` (`redis://..` or `postgres://..`).
pub async fn connect(url: &str) -> Arc<dyn Deduplicator> {
    #[cfg(feature = "redis")]
    if url.starts_with("redis://") {
        return Arc::new(
            billing_clients::funnelfox::webhooks::RedisDeduplicator::connect(url)
                .await
                .unwrap(),
        );
    }
    #[cfg(feature = "postgres")]
    if url.starts_with("postgres") {
        return Arc::new(
            billing_clients::funnelfox::webhooks::PostgresDeduplicator::connect(url)
                .await
                .unwrap(),
        );
    }
    panic!("no store for {url}")
}

/// Some text unique to this call in this process.
pub fn nonce() -> usize {
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

/// One endpoint process; killed (SIGKILL) when dropped.
pub struct Replica {
    child: Child,
    port: u16,
}

impl Replica {
    /// Start `endpoint_process` with its store, its side-effect file, and the
    /// handler run on which it hangs (the one to be killed in).
    pub fn start(store_url: &str, effects: &Path, hang_on: Option<u32>) -> Self {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "endpoint_process",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("FLEET_STORE", store_url)
            .env("FLEET_EFFECTS", effects)
            .stdout(Stdio::piped());
        if let Some(n) = hang_on {
            command.env("FLEET_HANG_ON", n.to_string());
        }
        let mut child = command.spawn().unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let port = stdout
            .lines()
            .map_while(Result::ok)
            // libtest may print "test endpoint_process ... " first, on the same line.
            .find_map(|line| line.split_once("listening ").map(|(_, p)| p.trim().parse().unwrap()))
            .expect("the endpoint process said where it listens");
        Self { child, port }
    }

    /// Its endpoint's URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks", self.port)
    }

    /// SIGKILL: no handler finishes, no claim is completed or released.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Sends each POST to two replicas at once (the next two in turn) and answers
/// 200 if either processed it, else the failure; every fourth delivery is sent
/// again to the third replica a moment later.
pub struct Balancer {
    url: String,
    state: Arc<State>,
}

struct State {
    replicas: Vec<String>,
    http: reqwest::Client,
    next: AtomicUsize,
    resends: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    resent: AtomicUsize,
}

impl Balancer {
    /// Serve on a loopback port in front of `replicas`.
    pub async fn start(replicas: Vec<String>) -> Self {
        let state = Arc::new(State {
            replicas,
            http: billing_clients::http_client_builder()
                .unwrap()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
            next: AtomicUsize::new(0),
            resends: Mutex::default(),
            resent: AtomicUsize::new(0),
        });
        let s = state.clone();
        let app = axum::Router::new().route(
            "/hooks",
            axum::routing::post(move |body: axum::body::Bytes| forward(s.clone(), body)),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, state }
    }

    /// Where FunnelFox (the fake) delivers.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Deliveries sent to two replicas at once.
    pub fn forwarded(&self) -> usize {
        self.state.next.load(Ordering::SeqCst)
    }

    /// Deliveries sent again later.
    pub fn resent(&self) -> usize {
        self.state.resent.load(Ordering::SeqCst)
    }

    /// Wait for the later re-sends made so far.
    pub async fn resends_done(&self) {
        let pending: Vec<_> = std::mem::take(&mut *self.state.resends.lock().unwrap());
        for task in pending {
            task.await.unwrap();
        }
    }
}

async fn forward(state: Arc<State>, body: axum::body::Bytes) -> axum::http::StatusCode {
    let n = state.next.fetch_add(1, Ordering::SeqCst);
    let count = state.replicas.len();
    let send = |i: usize| {
        let (http, url, body) = (state.http.clone(), state.replicas[i % count].clone(), body.clone());
        async move {
            match http
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
            {
                Ok(r) => r.status().as_u16(),
                Err(_) => 0,
            }
        }
    };
    let (a, b) = tokio::join!(send(n), send(n + 1));
    if n.is_multiple_of(4) {
        let later = send(n + 2);
        let resent = state.clone();
        state.resends.lock().unwrap().push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            later.await;
            resent.resent.fetch_add(1, Ordering::SeqCst);
        }));
    }
    let status = if (200..300).contains(&a) || (200..300).contains(&b) {
        200
    } else if a != 0 {
        a
    } else if b != 0 {
        b
    } else {
        502
    };
    axum::http::StatusCode::from_u16(status).unwrap()
}
