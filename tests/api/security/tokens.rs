//! Forged and dead access tokens: unsigned (`alg: none` in any spelling), signed with a
//! foreign key or another algorithm, a genuine signature over an edited payload (customer →
//! admin), a wrong issuer, no expiry, expired, and revoked by logout or a password reset — all
//! 401 problem documents on reads and writes (with and without `Idempotency-Key`), and none
//! of them writes anything.

use chrono::Utc;
use commerce::auth::email_tokens::Purpose;
use commerce::auth::jwt::{self, Claims};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{rows, StoreMark};
use crate::accounts::{email_token, logged_in, refresh, registered, Tokens};
use crate::client::Reply;
use crate::fixtures::new_product;
use crate::helpers::{spawn_app, TestApp};

/// Unpadded base64url, as JWTs use it.
fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// `header.payload.signature` from JSON values and a signature segment.
fn assemble(header: &Value, payload: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        b64(header.to_string().as_bytes()),
        b64(payload.to_string().as_bytes())
    )
}

/// HS256 (or `algorithm`) over any claims with `secret`.
fn signed(algorithm: Algorithm, claims: &Value, secret: &str) -> String {
    encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("signs")
}

/// Every kind of forged token, named, built from a genuine customer token `genuine` and the
/// engine's own key `secret`; each claims the admin role.
fn forgeries(genuine: &str, secret: &str) -> Vec<(&'static str, String)> {
    let claims: Claims = jwt::verify(secret, genuine).expect("genuine token");
    let mut admin = serde_json::to_value(&claims).expect("claims");
    admin["role"] = json!("admin");
    let parts: Vec<&str> = genuine.split('.').collect();
    let (header, signature) = (parts[0], parts[2]);
    let now = Utc::now().timestamp();
    let mut forged = vec![(
        "genuine signature over a payload edited to admin",
        format!("{header}.{}.{signature}", b64(admin.to_string().as_bytes())),
    )];
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = json!({"alg": alg, "typ": "JWT"});
        forged.push(("alg none, no signature", assemble(&header, &admin, "")));
        forged.push((
            "alg none, the genuine signature kept",
            assemble(&header, &admin, signature),
        ));
    }
    forged.push((
        "signed with a foreign key",
        signed(
            Algorithm::HS256,
            &admin,
            "a-foreign-key-a-foreign-key-a-foreign-key",
        ),
    ));
    forged.push((
        "signed with the engine's key under HS512",
        signed(Algorithm::HS512, &admin, secret),
    ));
    forged.push((
        "HS256 header, HS512 signature",
        format!(
            "{header}.{}.{}",
            b64(admin.to_string().as_bytes()),
            signed(Algorithm::HS512, &admin, secret)
                .rsplit('.')
                .next()
                .expect("signature")
        ),
    ));
    let mut other_issuer = admin.clone();
    other_issuer["iss"] = json!("someone-else");
    forged.push((
        "another issuer",
        signed(Algorithm::HS256, &other_issuer, secret),
    ));
    let mut no_expiry = admin.clone();
    no_expiry.as_object_mut().expect("object").remove("exp");
    forged.push(("no expiry", signed(Algorithm::HS256, &no_expiry, secret)));
    let mut expired = admin.clone();
    expired["iat"] = json!(now - 120);
    expired["exp"] = json!(now - 60);
    forged.push((
        "expired a minute ago",
        signed(Algorithm::HS256, &expired, secret),
    ));
    forged.push((
        "signature cut short",
        genuine[..genuine.len() - 4].to_string(),
    ));
    forged
}

/// Reads and writes a token must not get past, each with the reply it got.
async fn attempts(app: &TestApp, token: &str) -> Vec<(String, Reply)> {
    let mut replies = Vec::new();
    for path in ["/me", "/admin/users", "/orders"] {
        let reply = app
            .with_token(token)
            .request(Method::GET, path)
            .send()
            .await;
        replies.push((format!("GET {path}"), reply));
    }
    let product = new_product("FORGED-1", 5);
    for key in [None, Some(Uuid::new_v4().to_string())] {
        let mut products = app
            .with_token(token)
            .request(Method::POST, "/products")
            .json(&product);
        let mut carts = app
            .with_token(token)
            .request(Method::POST, "/carts")
            .json(&json!({}));
        if let Some(key) = &key {
            products = products.header("idempotency-key", key);
            carts = carts.header("idempotency-key", key);
        }
        let with = if key.is_some() { " with a key" } else { "" };
        replies.push((format!("POST /products{with}"), products.send().await));
        replies.push((format!("POST /carts{with}"), carts.send().await));
    }
    replies
}

/// Asserts that `token` gets a 401 problem everywhere: `token_expired` for the genuinely
/// signed expired one, `token_invalid` (nothing more precise) for every forgery.
async fn assert_refused(app: &TestApp, what: &str, token: &str) {
    let code = if what.starts_with("expired") {
        "token_expired"
    } else {
        "token_invalid"
    };
    for (request, reply) in attempts(app, token).await {
        assert_eq!(reply.status, 401, "{what}: {request}: {}", reply.text);
        reply.problem(401, code);
    }
}

#[tokio::test]
async fn forged_tokens_are_401_everywhere_and_write_nothing() {
    let app = spawn_app().await;
    registered(&app, "mallory@example.com").await;
    let session = logged_in(&app, "mallory@example.com").await;
    let secret = app.config.jwt_secret.expose().to_string();
    let mark = StoreMark::of(&app).await;

    let forged = forgeries(&session.access, &secret);
    assert!(forged.len() >= 15, "{} forgeries", forged.len());
    for (what, token) in &forged {
        assert_refused(&app, what, token).await;
    }
    mark.assert_unchanged(&StoreMark::of(&app).await, "forged tokens");
    assert_eq!(rows(&app, "idempotency_keys").await, 0);

    // The genuine token still works, as a customer: the refusals above were the forgeries'.
    let me = app
        .with_token(&session.access)
        .request(Method::GET, "/me")
        .send()
        .await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["role"], "customer");
    app.with_token(&session.access)
        .request(Method::GET, "/admin/users")
        .send()
        .await
        .problem(403, "forbidden");
    let cart = app
        .with_token(&session.access)
        .request(Method::POST, "/carts")
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(cart.status, 201, "{}", cart.text);
    assert_ne!(StoreMark::of(&app).await, mark, "a real write shows");
    app.stop().await;
}

#[tokio::test]
async fn revoked_tokens_are_401_on_writes_after_logout_and_password_reset() {
    let app = spawn_app().await;
    let user = registered(&app, "rita@example.com").await;
    let laptop = logged_in(&app, "rita@example.com").await;
    let phone = logged_in(&app, "rita@example.com").await;
    let tablet = logged_in(&app, "rita@example.com").await;

    let logout = app
        .with_token(&laptop.access)
        .request(Method::POST, "/auth/logout")
        .send()
        .await;
    assert_eq!(logout.status, 204, "{}", logout.text);
    let mark = StoreMark::of(&app).await;
    for (request, reply) in attempts(&app, &laptop.access).await {
        assert_eq!(reply.status, 401, "logged out: {request}: {}", reply.text);
    }
    crate::accounts::problem(refresh(&app, &laptop.refresh).await, 401).await;
    mark.assert_unchanged(&StoreMark::of(&app).await, "a logged-out token");

    // A password reset ends every other session, access and refresh tokens alike.
    let reset = app
        .client
        .post(app.api("/auth/password-reset"))
        .json(&json!({"email": "rita@example.com"}))
        .send()
        .await
        .expect("request");
    assert_eq!(reset.status(), 202);
    let token = email_token(&app, user, Purpose::PasswordReset).await;
    let confirm = app
        .client
        .post(app.api("/auth/password-reset/confirm"))
        .json(&json!({"token": token, "new_password": "an entirely new passphrase"}))
        .send()
        .await
        .expect("request");
    assert_eq!(confirm.status(), 204);
    let mark = StoreMark::of(&app).await;
    for Tokens { access, refresh: r } in [phone, tablet] {
        for (request, reply) in attempts(&app, &access).await {
            assert_eq!(reply.status, 401, "after reset: {request}: {}", reply.text);
        }
        crate::accounts::problem(refresh(&app, &r).await, 401).await;
    }
    mark.assert_unchanged(&StoreMark::of(&app).await, "tokens from before a reset");
    assert_eq!(rows(&app, "idempotency_keys").await, 0);

    // The new password opens a working session.
    let fresh = crate::accounts::tokens(
        crate::accounts::login(&app, "rita@example.com", "an entirely new passphrase").await,
    )
    .await;
    let cart = app
        .with_token(&fresh.access)
        .request(Method::POST, "/carts")
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(cart.status, 201, "{}", cart.text);
    app.stop().await;
}

#[tokio::test]
async fn a_token_revoked_by_another_process_is_refused_once_the_revocation_is_committed() {
    let app = spawn_app().await;
    let (_, token) = app.token(commerce_aggregates::Role::Customer);
    let claims = jwt::verify(app.config.jwt_secret.expose(), &token).expect("a valid token");
    let orders = || {
        app.with_token(&token)
            .request(Method::GET, "/orders")
            .send()
    };
    assert_eq!(orders().await.status, 200, "a live token");

    // Another engine process logging the session out writes this row; this process hears of
    // it through its revocation listener (or asks Postgres while that is not connected).
    sqlx::query("INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, $2)")
        .bind(claims.jti)
        .bind(Utc::now() + chrono::Duration::minutes(10))
        .execute(&app.db.pool)
        .await
        .expect("revoke");
    let mut refused = false;
    for _ in 0..500 {
        let reply = orders().await;
        if reply.status == 401 {
            reply.problem(401, "token_revoked");
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(refused, "the revoked token is refused within 5 s");
    // And stays refused.
    for _ in 0..20 {
        assert_eq!(orders().await.status, 401);
    }
    app.stop().await;
}
