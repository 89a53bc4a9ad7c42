//! A throw-away PostgreSQL 15 cluster for one test: `initdb` into a temporary directory,
//! listening on a free 127.0.0.1 port only (its unix socket in that directory), stopped with
//! a fast shutdown and started again on the same port and data, removed when dropped.
//!
//! Binaries come from `$PG_BIN` or `/usr/lib/postgresql/15/bin`. Postgres refuses to run as
//! root: a root test runs every Postgres command through `runuser -u postgres --` and hands
//! the directory to that user. The cluster trusts loopback connections (a test cluster) and
//! runs with `fsync = off`, so it starts in a second or two.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The database the cluster creates for the engine.
const DATABASE: &str = "commerce";
/// Its owner (the bootstrap superuser).
const USER: &str = "commerce";

fn bin(name: &str) -> PathBuf {
    let dir = std::env::var("PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into());
    Path::new(&dir).join(name)
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A Postgres command, run as the `postgres` user when the test runs as root.
fn pg_command(program: &Path, as_postgres: bool) -> Command {
    let mut command = if as_postgres {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    };
    // The postgres user may not enter the test's working directory.
    command.current_dir("/");
    command
}

fn run(mut command: Command, what: &str) {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn alive(pid: u32) -> bool {
    Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn signal(pid: u32, name: &str) {
    Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .stderr(Stdio::null())
        .status()
        .ok();
}

/// A PostgreSQL cluster of one test (see the module documentation).
pub struct PostgresServer {
    /// Port on 127.0.0.1.
    pub port: u16,
    root: PathBuf,
    as_postgres: bool,
    /// The postmaster's PID while it runs.
    pid: Option<u32>,
}

impl PostgresServer {
    /// Creates the cluster on a free port, starts it and creates the `commerce` database.
    pub async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let root = std::env::temp_dir().join(format!("commerce-pg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&root).expect("create the cluster directory");
        let as_postgres = running_as_root();
        if as_postgres {
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("postgres:").arg(&root);
                    c
                },
                "chown the cluster directory",
            );
        }
        let mut server = Self {
            port,
            root,
            as_postgres,
            pid: None,
        };
        let mut initdb = pg_command(&bin("initdb"), as_postgres);
        initdb.arg("-D").arg(server.data()).args([
            "-U",
            USER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "-N",
        ]);
        run(initdb, "initdb");
        let settings = format!(
            "\n# A test cluster: loopback only, no durability needed.\n\
             listen_addresses = '127.0.0.1'\nport = {port}\n\
             unix_socket_directories = '{}'\nmax_connections = 200\n\
             shared_buffers = 32MB\nfsync = off\nsynchronous_commit = off\n\
             full_page_writes = off\n",
            server.root.display()
        );
        let conf = server.data().join("postgresql.conf");
        let mut written = std::fs::read_to_string(&conf).expect("postgresql.conf");
        written.push_str(&settings);
        std::fs::write(&conf, written).expect("write postgresql.conf");
        server.start_again().await;
        let mut createdb = pg_command(&bin("createdb"), as_postgres);
        createdb
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", USER])
            .arg(DATABASE);
        run(createdb, "createdb");
        server
    }

    fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    /// `postgres://commerce@127.0.0.1:<port>/commerce`.
    pub fn url(&self) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{DATABASE}", self.port)
    }

    /// Starts the cluster (again, after [`PostgresServer::stop`]) on the same port and data,
    /// and waits until it accepts connections.
    pub async fn start_again(&mut self) {
        assert!(self.pid.is_none(), "Postgres already running");
        let mut pg_ctl = pg_command(&bin("pg_ctl"), self.as_postgres);
        pg_ctl
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.root.join("postgres.log"))
            .args(["-w", "-t", "60", "start"]);
        run(pg_ctl, "pg_ctl start");
        let pid_file = std::fs::read_to_string(self.data().join("postmaster.pid"))
            .expect("postmaster.pid after start");
        let pid = pid_file
            .lines()
            .next()
            .and_then(|line| line.trim().parse().ok())
            .expect("postmaster PID");
        self.pid = Some(pid);
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "Postgres did not listen on {}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Fast shutdown (SIGINT to the postmaster: sessions are ended, the cluster checkpoints
    /// and exits); waits until the postmaster is gone.
    pub fn stop(&mut self) {
        let Some(pid) = self.pid.take() else {
            return;
        };
        signal(pid, "INT");
        let started = Instant::now();
        // Gone once its PID file is removed (its last act) or the process has exited.
        let pid_file = self.data().join("postmaster.pid");
        while alive(pid) && pid_file.exists() {
            if started.elapsed() > Duration::from_secs(30) {
                // Immediate shutdown as the last resort.
                signal(pid, "QUIT");
            }
            if started.elapsed() > Duration::from_secs(40) {
                signal(pid, "KILL");
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        self.stop();
        std::fs::remove_dir_all(&self.root).ok();
    }
}
