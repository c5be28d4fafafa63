//! A scripted HTTP/1.1 server on 127.0.0.1 for tests: it records every request and
//! answers each as the test's script says, including the ways real networks fail
//! (reset, stall, truncated body). Raw TCP, so the failures are real.

#![allow(dead_code)]

use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

/// How to answer one request.
pub enum Reply {
    Json(u16, Value),
    Raw {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// Close the connection without answering.
    Reset,
    /// Never answer.
    Stall,
    /// Declare `declared` bytes of body, send `body`, close.
    Truncated {
        status: u16,
        declared: usize,
        body: Vec<u8>,
    },
}

impl Reply {
    pub fn json(status: u16, v: Value) -> Self {
        Reply::Json(status, v)
    }
    pub fn text(status: u16, content_type: &str, body: &str) -> Self {
        Reply::Raw {
            status,
            headers: vec![("content-type", content_type.into())],
            body: body.as_bytes().to_vec(),
        }
    }
}

type Script = dyn Fn(usize, &Recorded) -> Reply + Send + Sync;

pub struct Server {
    pub url: String,
    log: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Start a server whose script gets the request's index (0-based) and the request.
    pub async fn start(script: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Script> = Arc::new(script);
        let task = tokio::spawn({
            let log = log.clone();
            async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        return;
                    };
                    tokio::spawn(serve(stream, log.clone(), script.clone()));
                }
            }
        });
        Server { url, log, task }
    }

    /// A server that answers every request the same way.
    pub async fn always(reply: impl Fn() -> Reply + Send + Sync + 'static) -> Server {
        Server::start(move |_, _| reply()).await
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.log.lock().unwrap().len()
    }
}

/// A loopback URL on which nothing listens (connections are refused).
pub async fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

async fn serve(mut stream: TcpStream, log: Arc<Mutex<Vec<Recorded>>>, script: Arc<Script>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let index = {
        let mut log = log.lock().unwrap();
        log.push(request.clone());
        log.len() - 1
    };
    match script(index, &request) {
        Reply::Json(status, v) => {
            let body = v.to_string().into_bytes();
            write(
                &mut stream,
                status,
                &[("content-type", "application/json".into())],
                body.len(),
                &body,
            )
            .await
        }
        Reply::Raw { status, headers, body } => write(&mut stream, status, &headers, body.len(), &body).await,
        Reply::Reset => {
            #[allow(deprecated)] // linger 0 = RST on close, which is the point
            let _ = stream.set_linger(Some(Duration::ZERO));
        }
        Reply::Stall => tokio::time::sleep(Duration::from_secs(3600)).await,
        Reply::Truncated { status, declared, body } => {
            write(
                &mut stream,
                status,
                &[("content-type", "application/json".into())],
                declared,
                &body,
            )
            .await;
            #[allow(deprecated)] // linger 0 = RST on close, which is the point
            let _ = stream.set_linger(Some(Duration::ZERO));
        }
    }
}

async fn write(stream: &mut TcpStream, status: u16, headers: &[(&str, String)], len: usize, body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {len}\r\nconnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body).await;
    let _ = stream.flush().await;
}

async fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        })
        .collect();
    let len = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded {
        method,
        path,
        headers,
        body,
    })
}

/// Everything `tracing` prints (all levels, with span fields) while the guard lives,
/// on this thread (use a current-thread runtime).
pub fn capture_tracing() -> (tracing::subscriber::DefaultGuard, Arc<Mutex<Vec<u8>>>) {
    #[derive(Clone)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Arc::new(Mutex::new(Vec::new()));
    let sink = Sink(buf.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    (tracing::subscriber::set_default(subscriber), buf)
}
pub mod claims;
pub mod fakes;
pub mod faults;
#[cfg(any(feature = "redis", feature = "postgres"))]
pub mod fleet;
pub mod journal;
pub mod operations;
