//! The back office (`/admin/`) through plain HTTP, as a browser without script would use it:
//! sign-in and its refusals, the session cookie, CSRF tokens, roles, and the orders pages.

mod analytics;
mod audit;
mod browser;
mod catalogue;
mod coupons;
mod customers;
mod dashboard;
mod events;
mod history;
mod inventory;
mod orders;
mod product_images;
mod products;
mod security;

use commerce::auth::admin::create_admin;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::Response;

use crate::accounts::{registered, PASSWORD};
use crate::helpers::TestApp;

/// A page or form answer, read once.
pub struct Page {
    pub status: u16,
    /// `Location`, for redirects.
    pub location: Option<String>,
    /// Every `Set-Cookie`.
    pub cookies: Vec<String>,
    pub body: String,
}

impl Page {
    async fn read(response: Response) -> Self {
        let headers = response.headers().clone();
        Self {
            status: response.status().as_u16(),
            location: headers
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            cookies: headers
                .get_all(SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .map(str::to_string)
                .collect(),
            body: response.text().await.expect("body"),
        }
    }

    /// The `Set-Cookie` of cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(String::as_str)
    }

    /// The value of the page's first `csrf` hidden field.
    pub fn csrf(&self) -> String {
        let marker = r#"name="csrf" value=""#;
        let start = self.body.find(marker).expect("the page has a csrf field") + marker.len();
        let end = self.body[start..].find('"').expect("closing quote");
        self.body[start..start + end].to_string()
    }
}

/// A browser without script: keeps the back office's cookies itself, follows no redirect.
pub struct Browser<'a> {
    app: &'a TestApp,
    http: reqwest::Client,
    /// `name=value` pairs sent back.
    jar: Vec<(String, String)>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .expect("client"),
            jar: Vec::new(),
        }
    }

    fn remember(&mut self, page: &Page) {
        for cookie in &page.cookies {
            let pair = cookie.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                self.jar.retain(|(n, _)| n != name);
                if !value.is_empty() && !cookie.contains("Max-Age=0") {
                    self.jar.push((name.to_string(), value.to_string()));
                }
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// `GET path`.
    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .http
            .get(self.app.url(path))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .expect("GET");
        let page = Page::read(response).await;
        self.remember(&page);
        page
    }

    /// `POST path` with the form `fields`.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .http
            .post(self.app.url(path))
            .header(COOKIE, self.cookie_header())
            .form(fields)
            .send()
            .await
            .expect("POST");
        let page = Page::read(response).await;
        self.remember(&page);
        page
    }

    /// Opens the sign-in form and posts `email` with [`PASSWORD`] and the form's token.
    pub async fn sign_in(&mut self, email: &str) -> Page {
        let form = self.get("/admin/login").await;
        assert_eq!(form.status, 200, "{}", form.body);
        let csrf = form.csrf();
        self.post(
            "/admin/login",
            &[("email", email), ("password", PASSWORD), ("csrf", &csrf)],
        )
        .await
    }

    /// The CSRF token of this session (read from the dashboard's logout form).
    pub async fn csrf(&mut self) -> String {
        self.get("/admin/").await.csrf()
    }
}

/// An admin account `email` (password [`PASSWORD`]).
pub async fn admin_account(app: &TestApp, email: &str) {
    create_admin(&app.db.pool, email, PASSWORD, "Back office admin")
        .await
        .expect("admin created");
}

/// An auditor account `email`: registered, then given the role in the table (the role
/// change itself is the accounts tests' subject).
pub async fn auditor_account(app: &TestApp, email: &str) {
    let id = registered(app, email).await;
    sqlx::query("UPDATE users SET role = 'auditor' WHERE id = $1")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .expect("role set");
}

/// A browser signed in as a new admin.
pub async fn signed_in_admin(app: &TestApp) -> Browser<'_> {
    admin_account(app, "ops@example.com").await;
    let mut browser = Browser::new(app);
    let signed_in = browser.sign_in("ops@example.com").await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    browser
}
