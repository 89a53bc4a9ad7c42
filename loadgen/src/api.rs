//! A thin client of the engine's HTTP API that times every request into [`Stats`].

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::stats::Stats;

/// One simulated client: its own connection (the pool keeps one idle connection) and token.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

/// A request's outcome: the status and the JSON body (Null when there is none).
pub struct Reply {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body parsed as JSON.
    pub body: Value,
}

impl Reply {
    /// `body[key]` as a string, or an error naming the route.
    pub fn str(&self, key: &str) -> anyhow::Result<String> {
        self.body[key]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("response without `{key}`: {}", self.body))
    }

    /// `body[key]` as an integer.
    pub fn u64(&self, key: &str) -> anyhow::Result<u64> {
        self.body[key]
            .as_u64()
            .with_context(|| format!("response without `{key}`: {}", self.body))
    }
}

impl Api {
    /// A client of the API at `base` (e.g. `http://127.0.0.1:8080/api/v1`).
    pub fn new(base: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token: None,
        })
    }

    /// The same client acting with `token`, on a connection of its own.
    pub fn with_token(&self, token: String) -> anyhow::Result<Self> {
        let mut api = Self::new(&self.base)?;
        api.token = Some(token);
        Ok(api)
    }

    /// Sends a request, records it under `route` and returns the reply, whatever its status.
    pub async fn send(
        &self,
        stats: &mut Stats,
        route: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Option<Reply> {
        let started = Instant::now();
        match self.fetch(method, path, body).await {
            Some(reply) if reply.status.is_success() => {
                stats.ok(route, started.elapsed());
                Some(reply)
            }
            Some(reply) => {
                stats.error(route, reply.status.as_u16());
                Some(reply)
            }
            None => {
                stats.error(route, 0);
                None
            }
        }
    }

    /// Sends a request without recording it; `None` when no complete response came.
    pub async fn fetch(&self, method: Method, path: &str, body: Option<&Value>) -> Option<Reply> {
        let mut request = self.http.request(method, format!("{}/{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.ok()?;
        let status = response.status();
        let bytes = response.bytes().await.ok()?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Some(Reply { status, body })
    }

    /// Like [`Api::send`], failing unless the status is a success (for set-up steps).
    pub async fn expect(
        &self,
        stats: &mut Stats,
        route: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Reply> {
        match self.send(stats, route, method, path, body).await {
            Some(reply) if reply.status.is_success() => Ok(reply),
            Some(reply) => bail!("{route} answered {}: {}", reply.status, reply.body),
            None => bail!("{route}: no response"),
        }
    }

    /// GETs `path` as text (for `/metrics`).
    pub async fn text(&self, path: &str) -> Option<String> {
        let response = self
            .http
            .get(format!("{}/{path}", self.base))
            .send()
            .await
            .ok()?;
        response.text().await.ok()
    }

    /// Logs in and returns the access token.
    pub async fn login(&self, email: &str, password: &str) -> anyhow::Result<String> {
        let body = json!({"email": email, "password": password});
        let reply = self
            .expect(
                &mut Stats::default(),
                "POST auth/login",
                Method::POST,
                "auth/login",
                Some(&body),
            )
            .await
            .with_context(|| format!("logging in as {email}"))?;
        reply.str("access_token")
    }
}
