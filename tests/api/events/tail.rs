//! `commerce tail '<subject filter>'`: the built binary against the test's NATS with the whole
//! pipeline running prints one JSON line per matching event, live or from the start.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::checkout::{start_engine, Engine};
use crate::client::StockAdjustment;
use crate::fixtures::active_product;
use crate::nats_server::stream_len;
use crate::pipeline::wait_until;

/// A running `commerce tail`, its stdout lines and stderr lines delivered by reader threads.
struct Tail {
    child: Child,
    lines: mpsc::Receiver<String>,
    logs: mpsc::Receiver<String>,
}

impl Tail {
    fn start(engine: &Engine, args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_commerce"))
            .arg("tail")
            .args(args)
            .env("NATS_URL", engine.nats.url())
            .env("RUST_LOG", "info")
            .env("LOG_FORMAT", "pretty")
            .env_remove("DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("commerce tail starts");
        let lines = pipe(child.stdout.take().expect("stdout"));
        let logs = pipe(child.stderr.take().expect("stderr"));
        Self { child, lines, logs }
    }

    /// The next printed line as JSON. Polls without blocking: the engine runs on this
    /// test's runtime.
    async fn next(&self) -> Value {
        let Some(line) = receive(&self.lines).await else {
            let logs: Vec<String> = self.logs.try_iter().collect();
            panic!("no line within 20 s; tail logged:\n{}", logs.join("\n"));
        };
        serde_json::from_str(&line).expect("each line is JSON")
    }

    /// Waits until the consumer is set up (its log line).
    async fn wait_ready(&self) {
        loop {
            let line = receive(&self.logs)
                .await
                .expect("tail logs that it is tailing");
            if line.contains("tailing") {
                return;
            }
        }
    }

    /// Stops it by its PID.
    fn kill(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        let status = self.child.wait().expect("tail exits");
        assert!(status.success(), "tail ends cleanly on SIGTERM: {status}");
    }
}

/// The next item of `receiver` within 20 s.
async fn receive(receiver: &mpsc::Receiver<String>) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        match receiver.try_recv() {
            Ok(item) => return Some(item),
            Err(mpsc::TryRecvError::Empty) => tokio::time::sleep(Duration::from_millis(20)).await,
            Err(mpsc::TryRecvError::Disconnected) => return None,
        }
    }
    None
}

fn pipe(reader: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

#[tokio::test]
async fn tail_prints_matching_events_live_and_from_the_start() {
    let engine = start_engine().await;
    let app = &engine.app;
    let admin = app.as_admin();
    let product = active_product(&admin, "TAIL-1", 10).await;
    let js = engine.nats.jetstream().await;
    wait_until("product published", Duration::from_secs(20), || async {
        stream_len(&js, "COMMERCE").await >= 2
    })
    .await;

    // Live: only events published after it started, of the filtered type.
    let live = Tail::start(&engine, &["commerce.*.*.StockAdjusted"]);
    live.wait_ready().await;
    for adjustment in [5, -3] {
        admin
            .adjust_stock(
                &product,
                "TAIL-1",
                &StockAdjustment {
                    adjustment,
                    reason: "count".into(),
                },
            )
            .await
            .command(200, if adjustment > 0 { 3 } else { 4 });
    }
    let (first, second) = (live.next().await, live.next().await);
    for (line, on_hand, previous) in [(&first, 15, 10), (&second, 12, 15)] {
        assert_eq!(
            line["subject"],
            format!("commerce.product.{product}.StockAdjusted")
        );
        assert!(line["stream_sequence"].as_u64().expect("sequence") > 2);
        let envelope = &line["envelope"];
        assert_eq!(envelope["event_type"], "StockAdjusted");
        assert_eq!(envelope["event_version"], "2.0");
        assert_eq!(envelope["payload"]["StockAdjusted"]["on_hand"], on_hand);
        assert_eq!(
            envelope["payload"]["StockAdjusted"]["previous_on_hand"],
            previous
        );
    }
    assert!(first["stream_sequence"].as_u64() < second["stream_sequence"].as_u64());
    live.kill();

    // From the start: everything of the product, in stream order.
    let replay = Tail::start(
        &engine,
        &[&format!("commerce.product.{product}.>"), "--from-start"],
    );
    let mut types = Vec::new();
    for _ in 0..4 {
        types.push(replay.next().await["envelope"]["event_type"].clone());
    }
    assert_eq!(
        types,
        [
            "ProductCreated",
            "ProductPublished",
            "StockAdjusted",
            "StockAdjusted"
        ]
    );
    replay.kill();
}

#[tokio::test]
async fn tail_refuses_a_malformed_filter() {
    let output = Command::new(env!("CARGO_BIN_EXE_commerce"))
        .args(["tail", "commerce.ord*.>"])
        .env("NATS_URL", "nats://127.0.0.1:1")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("whole tokens"), "{stderr}");
}
