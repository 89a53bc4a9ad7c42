//! A nats-server with JetStream for one test: its own loopback port and store directory,
//! stopped (and restartable) by its PID.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use async_nats::jetstream;
use commerce_projections::Envelope;

fn binary() -> String {
    if let Ok(path) = std::env::var("NATS_SERVER_BIN") {
        return path;
    }
    for candidate in [
        "/usr/sbin/nats-server",
        "/usr/bin/nats-server",
        "/usr/local/bin/nats-server",
    ] {
        if std::path::Path::new(candidate).exists() {
            return candidate.into();
        }
    }
    "nats-server".into()
}

/// A running (or stopped) test nats-server.
pub struct NatsServer {
    /// Client port on 127.0.0.1.
    pub port: u16,
    store: PathBuf,
    child: Option<Child>,
}

impl NatsServer {
    /// Starts a server on a free port with a fresh store.
    pub async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let store = std::env::temp_dir().join(format!("commerce-nats-{}", uuid::Uuid::new_v4()));
        let mut server = Self {
            port,
            store,
            child: None,
        };
        server.restart().await;
        server
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Starts the server again on the same port and store (after [`NatsServer::stop`]).
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "server already running");
        let conf = concat!(env!("CARGO_MANIFEST_DIR"), "/nats.conf");
        let child = Command::new(binary())
            .args(["-c", conf, "-a", "127.0.0.1", "-p"])
            .arg(self.port.to_string())
            .arg("-sd")
            .arg(&self.store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts (install it with scripts/services start)");
        self.child = Some(child);
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("nats-server did not listen on {}", self.port);
    }

    /// Stops the server (SIGTERM: it flushes its store and exits) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let terminated = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if !terminated {
                child.kill().ok();
            }
            child.wait().ok();
        }
    }

    /// A JetStream client of this server.
    pub async fn jetstream(&self) -> jetstream::Context {
        let client = async_nats::ConnectOptions::new()
            .retry_on_initial_connect()
            .connect(self.url())
            .await
            .expect("connect to test NATS");
        jetstream::new(client)
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.stop();
        std::fs::remove_dir_all(&self.store).ok();
    }
}

/// Every message of `stream`, in stream order, as envelopes.
pub async fn stream_envelopes(js: &jetstream::Context, stream: &str) -> Vec<Envelope> {
    let stream = js.get_stream(stream).await.expect("stream exists");
    let last = stream
        .get_info()
        .await
        .expect("stream info")
        .state
        .last_sequence;
    let mut envelopes = Vec::new();
    for sequence in 1..=last {
        if let Ok(message) = stream.get_raw_message(sequence).await {
            envelopes.push(serde_json::from_slice(&message.payload).expect("an envelope"));
        }
    }
    envelopes
}

/// Messages currently in `stream` (0 when it does not exist yet).
pub async fn stream_len(js: &jetstream::Context, stream: &str) -> u64 {
    match js.get_stream(stream).await {
        Ok(stream) => stream
            .get_info()
            .await
            .map(|i| i.state.messages)
            .unwrap_or(0),
        Err(_) => 0,
    }
}
