//! A real S3-compatible server for one test: moto's server (from the venv `scripts/services
//! start` installs, found through `S3_TEST_PYTHON`) on its own loopback port, stopped by its
//! PID.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::fixtures::{free_port, terminate};

/// The credentials the engine signs with (moto takes any).
const ACCESS_KEY_ID: &str = "moto-test-key";
const SECRET_ACCESS_KEY: &str = "moto-test-secret";

/// The python with moto.
fn python() -> PathBuf {
    crate::fixtures::emulator_python("S3_TEST_PYTHON", "s3-venv")
}

/// A running moto server.
pub struct Moto {
    port: u16,
    log: PathBuf,
    child: Option<Child>,
    http: reqwest::Client,
}

impl Moto {
    /// Starts a server with no buckets on a free port.
    pub async fn start() -> Self {
        let port = free_port();
        let log = std::env::temp_dir().join(format!("commerce-moto-{}.log", uuid::Uuid::new_v4()));
        let python = python();
        let mut child = Command::new(&python)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("server log"))
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "{} does not start ({e}): run `scripts/services start` (it installs \
                     moto) and `eval \"$(scripts/services env)\"`",
                    python.display()
                )
            });
        crate::fixtures::wait_listening("moto", port, &mut child, &log).await;
        Self {
            port,
            log,
            child: Some(child),
            http: reqwest::Client::new(),
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Creates `bucket` (moto does not check the request's signature).
    pub async fn create_bucket(&self, bucket: &str) {
        let response = self
            .http
            .put(format!("{}/{bucket}", self.url()))
            .send()
            .await
            .expect("moto answers");
        assert!(response.status().is_success(), "bucket {bucket} created");
    }

    /// The engine's configuration for `bucket` on this server.
    pub fn engine_settings(&self, bucket: &str) -> Vec<(&'static str, String)> {
        vec![
            ("MEDIA_STORE_URL", format!("s3://{bucket}")),
            ("AWS_ENDPOINT_URL", self.url()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY.into()),
        ]
    }

    /// The keys of the objects in `bucket`, sorted.
    pub async fn keys(&self, bucket: &str) -> Vec<String> {
        let listing = self
            .http
            .get(format!("{}/{bucket}?list-type=2", self.url()))
            .send()
            .await
            .expect("moto answers")
            .text()
            .await
            .expect("a listing");
        let mut keys: Vec<String> = listing
            .split("<Key>")
            .skip(1)
            .filter_map(|rest| rest.split_once("</Key>").map(|(key, _)| key.to_string()))
            .collect();
        keys.sort();
        keys
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            terminate(child, Duration::from_secs(5));
        }
        std::fs::remove_file(&self.log).ok();
    }
}
