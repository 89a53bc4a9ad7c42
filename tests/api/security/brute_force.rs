//! Password guessing spread over many accounts from one address: after 20 failures in the
//! window every login from that address is 429 with `Retry-After` — also an account nobody
//! guessed at, with its right password — a forwarded-for header does not get around it, and a
//! refused login starts no session. (Guessing at one account is
//! `accounts::passwords::repeated_failed_logins_are_throttled_with_429_and_retry_after`.)

use commerce::auth::throttle::Limits;

use super::rows;
use crate::accounts::{login, problem, registered, PASSWORD};
use crate::helpers::spawn_app;

#[tokio::test]
async fn guessing_across_accounts_throttles_the_address_over_http() {
    let app = spawn_app().await;
    registered(&app, "bystander@example.com").await;
    let limit = Limits::default().per_client;
    for i in 0..limit {
        // Fewer guesses per account than its own limit: only the address adds up.
        let response = login(&app, &format!("victim{}@example.com", i % 10), "guess-1234").await;
        assert_eq!(response.status, 401, "guess {i}");
    }
    assert_eq!(rows(&app, "login_failures").await, i64::from(limit));

    let response = login(&app, "bystander@example.com", PASSWORD).await;
    let retry_after: u64 = response.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(
        (1..=Limits::default().window.as_secs() + 1).contains(&retry_after),
        "{retry_after}"
    );
    assert_eq!(problem(response, 429).await.0, "rate_limited");

    for forwarded in ["198.51.100.7", "127.0.0.2", "::1"] {
        let response = app
            .anonymous()
            .request(reqwest::Method::POST, "/auth/login")
            .header("x-forwarded-for", forwarded)
            .header("x-real-ip", forwarded)
            .header("forwarded", &format!("for={forwarded}"))
            .json(&serde_json::json!({"email": "bystander@example.com", "password": PASSWORD}))
            .send()
            .await;
        assert_eq!(
            problem(response, 429).await.0,
            "rate_limited",
            "{forwarded}"
        );
    }
    // No session came out of the refused logins, and they were not counted as failures.
    assert_eq!(rows(&app, "refresh_tokens").await, 0);
    assert_eq!(rows(&app, "login_failures").await, i64::from(limit));
    app.stop().await;
}
