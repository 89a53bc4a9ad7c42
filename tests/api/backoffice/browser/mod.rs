//! The back office in a real browser: headless Chromium driven over WebDriver by a
//! chromedriver each test starts on its own loopback port and stops by its PID. Every test
//! saves a screenshot in `target/screenshots/` (git-ignored).

use std::process::{Child, Command, Stdio};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::accounts::PASSWORD;
use crate::fixtures::{free_port, terminate, wait_listening};
use crate::helpers::TestApp;
use crate::queries::refresh_one;

mod events;
mod insights;
mod orders;
mod people;
mod products;
mod security;

/// A chromedriver for one test, and the browser session it drives.
pub struct Driver {
    child: Option<Child>,
    browser: Option<Client>,
}

impl Driver {
    /// Starts chromedriver on a free port and opens a headless Chromium at phone-and-desk
    /// friendly 1280 × 900.
    pub async fn start() -> Self {
        let port = free_port();
        let log = std::env::temp_dir().join(format!("chromedriver-{port}.log"));
        let mut child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts (install it with scripts/services start)");
        wait_listening("chromedriver", port, &mut child, &log).await;
        let mut args = vec!["--headless=new", "--disable-gpu", "--window-size=1280,900"];
        // Chromium's sandbox cannot start as root (CI and these machines run tests as root).
        if std::env::var("USER").is_ok_and(|user| user == "root") || is_root() {
            args.push("--no-sandbox");
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), json!({ "args": args }));
        // chromedriver listens on loopback plain HTTP: no TLS stack is needed.
        let browser = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a browser session");
        Self {
            child: Some(child),
            browser: Some(browser),
        }
    }

    pub fn browser(&self) -> &Client {
        self.browser.as_ref().expect("browser open")
    }

    /// Saves what the browser shows as `target/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.browser().screenshot().await.expect("screenshot");
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/target/screenshots");
        std::fs::create_dir_all(folder).expect("screenshot folder");
        std::fs::write(format!("{folder}/{name}.png"), png).expect("screenshot written");
    }

    /// Saves what the browser shows at a phone's width (390 × 844) as
    /// `target/screenshots/<name>.png`, then goes back to 1280 × 900.
    pub async fn screenshot_phone(&self, name: &str) {
        self.browser()
            .set_window_size(390, 844)
            .await
            .expect("phone width");
        self.screenshot(name).await;
        self.browser()
            .set_window_size(1280, 900)
            .await
            .expect("desk width");
    }

    /// Closes the browser, then stops chromedriver.
    pub async fn stop(mut self) {
        if let Some(browser) = self.browser.take() {
            browser.close().await.ok();
        }
        if let Some(child) = self.child.take() {
            terminate(child, std::time::Duration::from_secs(10));
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            terminate(child, std::time::Duration::from_secs(10));
        }
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .any(|line| line.starts_with("Uid:") && line.split_whitespace().nth(1) == Some("0"))
    })
}

/// Fills the sign-in form and submits it.
pub async fn sign_in(driver: &Driver, app: &TestApp, email: &str) {
    let browser = driver.browser();
    browser
        .goto(&app.url("/admin/login"))
        .await
        .expect("sign-in page");
    fill(browser, "email", email).await;
    fill(browser, "password", PASSWORD).await;
    browser
        .find(Locator::Css("main button[type=submit]"))
        .await
        .expect("button")
        .click()
        .await
        .expect("submitted");
}

/// Signs in as staff member `email` and waits for the dashboard.
pub async fn signed_in(driver: &Driver, app: &TestApp, email: &str) {
    sign_in(driver, app, email).await;
    driver
        .browser()
        .wait()
        .for_element(Locator::XPath("//h1[text()='Dashboard']"))
        .await
        .expect("signed in, on the dashboard");
}

/// Types `text` into field `id`, emptied first.
pub async fn fill(browser: &Client, id: &str, text: &str) {
    let field = browser
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|_| panic!("field {id}"));
    field.clear().await.expect("cleared");
    field.send_keys(text).await.expect("typed");
}

/// Clicks the button labelled `label`.
pub async fn click(browser: &Client, label: &str) {
    browser
        .find(Locator::XPath(&format!("//button[text()='{label}']")))
        .await
        .unwrap_or_else(|_| panic!("button {label}"))
        .click()
        .await
        .expect("clicked");
}

/// On an order's page: ships it with the Ship form and sees its timeline gain the
/// `OrderShipped` row.
pub async fn ship_and_see_the_timeline_grow(browser: &Client) {
    let timeline_rows = || async {
        browser
            .find_all(Locator::Css("#timeline tbody tr"))
            .await
            .expect("timeline")
            .len()
    };
    let rows_before = timeline_rows().await;
    fill(browser, "carrier", "DHL").await;
    fill(browser, "tracking_number", "JD0146").await;
    click(browser, "Ship").await;
    // A click submits the form without waiting for the next page: wait for what it shows.
    browser
        .wait()
        .for_element(Locator::XPath("//td[text()='OrderShipped']"))
        .await
        .expect("the timeline shows the shipment");
    assert_eq!(timeline_rows().await, rows_before + 1);
}

/// Keeps read models caught up while a browser test runs: the tests run no projection
/// workers, and a page after an action waits for the read model to show its version.
/// Stops when dropped.
pub struct CatchUp(tokio::task::JoinHandle<()>);

impl CatchUp {
    pub fn start(app: &TestApp, read_models: &'static [&'static str]) -> Self {
        let pool = app.db.pool.clone();
        Self(tokio::spawn(async move {
            loop {
                for read_model in read_models {
                    refresh_one(&pool, read_model).await;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }))
    }
}

impl Drop for CatchUp {
    fn drop(&mut self) {
        self.0.abort();
    }
}
