use super::{ServerError, free_port, stop_child, wait_until};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A `redis-server` of the caller's own on a free loopback port, without
/// persistence; killed by PID when dropped.
///
/// ```no_run
/// use billing_clients::testing::servers::RedisServer;
///
/// let mut redis = RedisServer::start()?;
/// let url = redis.url(); // redis://127.0.0.1:<port>/
/// redis.stop(); // down: clients fail
/// redis.restart()?; // back on the same port, empty
/// # let _ = url; Ok::<(), billing_clients::testing::servers::ServerError>(())
/// ```
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
}

impl RedisServer {
    /// Start `redis-server` (from `PATH`) on a free port; ready when this returns.
    pub fn start() -> Result<Self, ServerError> {
        let mut server = Self {
            child: None,
            port: free_port(),
        };
        server.restart()?;
        Ok(server)
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Its port, the same across restarts.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's PID while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kill it (SIGKILL): connections drop, its data is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            stop_child(&mut child, libc::SIGKILL, Duration::from_secs(5));
        }
    }

    /// Stop it if running, then start it again on the same port.
    pub fn restart(&mut self) -> Result<(), ServerError> {
        self.stop();
        let port = self.port.to_string();
        let mut child = Command::new("redis-server")
            .args([
                "--port",
                &port,
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => ServerError::Missing {
                    program: "redis-server".into(),
                    install: "Redis (Debian: apt-get install redis-server)",
                },
                _ => ServerError::Failed(format!("redis-server: {e}")),
            })?;
        let ready = wait_until(&mut child, "redis-server", || {
            std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
        });
        if let Err(why) = ready {
            stop_child(&mut child, libc::SIGKILL, Duration::ZERO);
            return Err(ServerError::Failed(why));
        }
        self.child = Some(child);
        Ok(())
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
