use super::{ServerError, free_port, stop_child, wait_until};
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

const INSTALL: &str = "PostgreSQL (Debian: apt-get install postgresql-15)";

/// A throwaway PostgreSQL cluster of the caller's own: `initdb` in a temporary
/// directory (trust authentication, user `postgres`, `fsync=off`), then the
/// `postgres` server itself as the child process (its PID is the
/// postmaster's), on a free loopback port. Dropped, it is stopped by PID and
/// its directory removed.
///
/// PostgreSQL refuses to run as root: as root, the directory is given to the
/// `postgres` user and both programs run as that user. The programs are those
/// of the newest `/usr/lib/postgresql/<version>/bin` (Debian's layout), else
/// of `PATH`.
///
/// ```no_run
/// use billing_clients::testing::servers::PostgresServer;
///
/// let mut postgres = PostgresServer::start()?;
/// let url = postgres.url(); // postgres://postgres@127.0.0.1:<port>/postgres
/// postgres.stop(); // down: clients fail
/// postgres.restart()?; // back on the same port, its data kept
/// # let _ = url; Ok::<(), billing_clients::testing::servers::ServerError>(())
/// ```
#[derive(Debug)]
pub struct PostgresServer {
    child: Option<Child>,
    port: u16,
    bin: PathBuf,
    dir: PathBuf,
    owner: Option<(u32, u32)>,
}

impl PostgresServer {
    /// Make a cluster and start it on a free port; ready when this returns.
    pub fn start() -> Result<Self, ServerError> {
        let bin = bin_dir().ok_or(ServerError::Missing {
            program: "initdb".into(),
            install: INSTALL,
        })?;
        let dir = temp_dir().map_err(|e| ServerError::Failed(format!("a temporary directory: {e}")))?;
        let mut server = Self {
            child: None,
            port: free_port(),
            bin,
            dir,
            owner: None,
        };
        server.init()?;
        server.restart()?;
        Ok(server)
    }

    /// `postgres://postgres@127.0.0.1:<port>/postgres` (no password: trust).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Its port, the same across restarts.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The postmaster's PID while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Stop it (SIGINT, PostgreSQL's fast shutdown: clients are disconnected;
    /// SIGKILL after 10 s). Its data stays for [`restart`](Self::restart).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            stop_child(&mut child, libc::SIGINT, Duration::from_secs(10));
        }
    }

    /// Stop it if running, then start it again on the same port and data.
    pub fn restart(&mut self) -> Result<(), ServerError> {
        self.stop();
        let log = self.dir.join("postgres.log");
        let log_file =
            std::fs::File::create(&log).map_err(|e| ServerError::Failed(format!("{}: {e}", log.display())))?;
        let port = self.port.to_string();
        let mut command = self.command("postgres");
        command
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-p", &port, "-h", "127.0.0.1", "-k"])
            .arg(&self.dir)
            .args([
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ])
            .stdout(Stdio::null())
            .stderr(log_file);
        let mut child = command.spawn().map_err(|e| self.spawn_failed("postgres", &e))?;
        if let Err(why) = wait_until(&mut child, "postgres", || accepts(self.port)) {
            stop_child(&mut child, libc::SIGQUIT, Duration::from_secs(2));
            return Err(ServerError::Failed(format!("{why}; {}", tail(&log))));
        }
        self.child = Some(child);
        Ok(())
    }

    /// `initdb` the cluster, as the `postgres` user when running as root.
    fn init(&mut self) -> Result<(), ServerError> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } == 0 {
            let (uid, gid) = postgres_user().ok_or_else(|| {
                ServerError::Failed(
                    "PostgreSQL refuses to run as root and there is no `postgres` user to run it as \
                     (Debian's postgresql package makes it; or: useradd --system --user-group postgres)"
                        .into(),
                )
            })?;
            std::os::unix::fs::chown(&self.dir, Some(uid), Some(gid))
                .map_err(|e| ServerError::Failed(format!("chown {}: {e}", self.dir.display())))?;
            self.owner = Some((uid, gid));
        }
        let output = self
            .command("initdb")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| self.spawn_failed("initdb", &e))?;
        if !output.status.success() {
            return Err(ServerError::Failed(format!(
                "initdb: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        Ok(())
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin.join(program));
        command.current_dir(&self.dir);
        if let Some((uid, gid)) = self.owner {
            command.uid(uid).gid(gid);
        }
        command
    }

    fn spawn_failed(&self, program: &str, e: &std::io::Error) -> ServerError {
        match e.kind() {
            std::io::ErrorKind::NotFound => ServerError::Missing {
                program: self.bin.join(program).display().to_string(),
                install: INSTALL,
            },
            _ => ServerError::Failed(format!("{program}: {e}")),
        }
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The newest Debian-layout bin directory with `initdb`, else `PATH`'s.
fn bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").is_file())
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::split_paths(&std::env::var_os("PATH")?).find(|p| p.join("initdb").is_file())
}

/// A new directory under the system's temporary one.
fn temp_dir() -> std::io::Result<PathBuf> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "billing-clients-pg-{}-{}-{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let dir = std::env::temp_dir().join(name);
    std::fs::create_dir(&dir)?;
    Ok(dir)
}

/// The `postgres` user's uid and gid, from `/etc/passwd` or `getent`.
fn postgres_user() -> Option<(u32, u32)> {
    let from = |text: &str| {
        text.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.first() == Some(&"postgres") && fields.len() > 3)
                .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
                .flatten()
        })
    };
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    from(&passwd).or_else(|| {
        let out = Command::new("getent").args(["passwd", "postgres"]).output().ok()?;
        from(&String::from_utf8_lossy(&out.stdout))
    })
}

/// Whether the server on `port` lets user `postgres` in: a startup message
/// answered by an authentication message ('R'), not an error ('E', e.g. "the
/// database system is starting up"). An open port alone is not enough.
fn accepts(port: u16) -> bool {
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let params = b"user\0postgres\0database\0postgres\0\0";
    let mut startup = u32::try_from(8 + params.len()).unwrap_or(0).to_be_bytes().to_vec();
    startup.extend_from_slice(&196_608u32.to_be_bytes()); // protocol 3.0
    startup.extend_from_slice(params);
    let mut kind = [0u8];
    let ok = stream.write_all(&startup).is_ok() && stream.read_exact(&mut kind).is_ok() && kind[0] == b'R';
    let _ = stream.write_all(b"X\0\0\0\x04"); // Terminate
    ok
}

/// The log's last lines, for an error.
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    format!("its log: {}", lines[lines.len().saturating_sub(5)..].join(" / "))
}
