//! Real Redis and PostgreSQL servers for tests, benches and your own back ends'
//! tests: each is a child process of the caller on a free loopback port, with
//! its data in memory or in a temporary directory, stopped by PID (and its
//! directory removed) when dropped. [`RedisServer::stop`] /
//! [`RedisServer::restart`] (and PostgreSQL's) take a server down and bring it
//! back on the same port, to test a store that goes away.
//!
//! Nothing is skipped quietly: a missing program is a [`ServerError::Missing`]
//! that says what to install. Unix only (signals, file ownership).
//!
//! ```no_run
//! use billing_clients::testing::servers::{PostgresServer, RedisServer};
//!
//! let redis = RedisServer::start().expect("redis-server");
//! let postgres = PostgresServer::start().expect("PostgreSQL");
//! println!("{} {}", redis.url(), postgres.url());
//! ```

mod postgres;
mod redis;

pub use postgres::PostgresServer;
pub use redis::RedisServer;

use std::fmt;
use std::process::Child;
use std::time::{Duration, Instant};

/// Why a server did not start.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerError {
    /// Its program is not installed.
    Missing {
        /// The program looked for.
        program: String,
        /// What to install (the Debian package and command).
        install: &'static str,
    },
    /// It is installed but did not start: why, with its log's last lines.
    Failed(String),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing { program, install } => write!(f, "{program} is not installed: install {install}"),
            Self::Failed(why) => write!(f, "the server did not start: {why}"),
        }
    }
}

impl std::error::Error for ServerError {}

/// A loopback port free at the time of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Poll `ready` until it holds (or `child` exits, or 30 s pass).
fn wait_until(child: &mut Child, what: &str, mut ready: impl FnMut() -> bool) -> Result<(), String> {
    let started = Instant::now();
    loop {
        if ready() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("{what} exited ({status})"));
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("{what} was not ready within 30 s"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Send `signal` to `child`; if it has not exited after `grace`, kill it.
fn stop_child(child: &mut Child, signal: libc::c_int, grace: Duration) {
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: a plain syscall on our own child's PID, not yet reaped.
        unsafe { libc::kill(pid, signal) };
    }
    let started = Instant::now();
    while started.elapsed() < grace {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
}
