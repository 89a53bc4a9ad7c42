//! A nats-server with JetStream for one test: its own loopback port and store directory,
//! stopped (and restartable) by its PID.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::fixtures::free_port;
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
        if let Some(child) = self.child.take() {
            crate::fixtures::terminate(child, Duration::from_secs(30));
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

/// The name of the JetStream cluster [`NatsCluster`] forms.
pub const CLUSTER_NAME: &str = "commerce-test";

/// A cluster of nats-servers with JetStream on loopback, each node a [`NatsServer`] with its
/// own configuration file (written here: `server_name`, client port, JetStream store, the
/// cluster's routes), killable with SIGKILL and restartable by index.
pub struct NatsCluster {
    /// The nodes, `n0`, `n1`, … (their `port` is the client port).
    pub nodes: Vec<NatsServer>,
    configs: Vec<PathBuf>,
    dir: PathBuf,
}

impl NatsCluster {
    /// Starts `size` nodes routed to each other and waits until JetStream has a meta leader
    /// (before that, no stream can be created).
    pub async fn start(size: usize) -> Self {
        let dir =
            std::env::temp_dir().join(format!("commerce-nats-cluster-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("cluster directory");
        let ports: Vec<(u16, u16)> = (0..size).map(|_| (free_port(), free_port())).collect();
        let routes: Vec<String> = ports
            .iter()
            .map(|(_, route)| format!("    nats-route://127.0.0.1:{route}"))
            .collect();
        let mut cluster = Self {
            nodes: Vec::new(),
            configs: Vec::new(),
            dir,
        };
        for (index, (port, route)) in ports.iter().enumerate() {
            let store = cluster.dir.join(format!("n{index}"));
            let config = format!(
                "# Node n{index} of a test cluster (written by tests/api/nats_server.rs).\n\
                 server_name: n{index}\nlisten: 127.0.0.1:{port}\nmax_payload: 1MB\n\
                 jetstream {{\n  store_dir: \"{}\"\n  max_memory_store: 64MB\n  max_file_store: 1GB\n}}\n\
                 cluster {{\n  name: {CLUSTER_NAME}\n  listen: 127.0.0.1:{route}\n  routes: [\n{}\n  ]\n}}\n",
                store.display(),
                routes.join("\n")
            );
            let path = cluster.dir.join(format!("n{index}.conf"));
            std::fs::write(&path, config).expect("node configuration");
            cluster.configs.push(path);
            cluster.nodes.push(NatsServer {
                port: *port,
                store,
                child: None,
            });
        }
        for index in 0..size {
            cluster.spawn(index);
        }
        for index in 0..size {
            cluster.wait_listening(index).await;
        }
        cluster.wait_for_jetstream().await;
        cluster
    }

    fn spawn(&mut self, index: usize) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("n{index}.log")))
            .expect("node log");
        let child = Command::new(binary())
            .arg("-c")
            .arg(&self.configs[index])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("nats-server starts (install it with scripts/services start)");
        self.nodes[index].child = Some(child);
    }

    async fn wait_listening(&self, index: usize) {
        let port = self.nodes[index].port;
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("cluster node n{index} did not listen on {port}");
    }

    /// Waits (60 s at most) until the JetStream API answers without an error, i.e. a meta
    /// leader is elected (`$JS.API.INFO` is asked directly: its reply's shape varies between
    /// server versions).
    pub async fn wait_for_jetstream(&self) {
        let client = self.jetstream().await.client();
        let started = std::time::Instant::now();
        loop {
            let reply = client.request("$JS.API.INFO", "".into()).await;
            let answer = match reply {
                Ok(message) => serde_json::from_slice::<serde_json::Value>(&message.payload)
                    .map_err(|e| e.to_string())
                    .and_then(|v| match v.get("error") {
                        None => Ok(()),
                        Some(error) => Err(error.to_string()),
                    }),
                Err(error) => Err(error.to_string()),
            };
            let Err(error) = answer else {
                return;
            };
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "JetStream cluster without a meta leader: {error}; n0's log:\n{}",
                self.log(0)
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Every node's client URL, comma-separated (the engine's `NATS_URL`).
    pub fn urls(&self) -> String {
        let urls: Vec<String> = self.nodes.iter().map(NatsServer::url).collect();
        urls.join(",")
    }

    /// A JetStream client that may use any node.
    pub async fn jetstream(&self) -> jetstream::Context {
        let urls: Vec<String> = self.nodes.iter().map(NatsServer::url).collect();
        let client = async_nats::ConnectOptions::new()
            .retry_on_initial_connect()
            .connect(urls.as_slice())
            .await
            .expect("connect to the test cluster");
        jetstream::new(client)
    }

    /// The PID of node `index` while it runs.
    pub fn pid(&self, index: usize) -> Option<u32> {
        self.nodes[index].child.as_ref().map(Child::id)
    }

    /// Kills node `index` with SIGKILL (by PID; no shutdown code runs) and reaps it.
    pub fn kill9(&mut self, index: usize) {
        if let Some(mut child) = self.nodes[index].child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }

    /// Starts node `index` again with its configuration and store, and waits until it
    /// listens.
    pub async fn restart(&mut self, index: usize) {
        assert!(
            self.nodes[index].child.is_none(),
            "node n{index} is running"
        );
        self.spawn(index);
        self.wait_listening(index).await;
    }

    /// The index of the node named `name` (`n1` → 1).
    pub fn index_of(&self, name: &str) -> Option<usize> {
        name.strip_prefix('n')
            .and_then(|i| i.parse().ok())
            .filter(|i| *i < self.nodes.len())
    }

    /// A node's log (stderr), for failure messages.
    pub fn log(&self, index: usize) -> String {
        std::fs::read_to_string(self.dir.join(format!("n{index}.log"))).unwrap_or_default()
    }
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            node.stop();
        }
        std::fs::remove_dir_all(&self.dir).ok();
    }
}
