//! Signing in and out of the back office.
//!
//! The cookie is `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's page
//! sends it), scoped to `/admin`, expiring with the session, and `Secure` when the request
//! came over TLS: the engine itself speaks plain HTTP, so that is when the TLS-terminating
//! proxy says `X-Forwarded-Proto: https` (at worst a spoofed header adds the attribute).

use crate::backoffice::extract::PageForm;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use commerce_aggregates::Role;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{bare_page, csrf_field};
use super::sessions::{self, StaffSession, SESSION_TTL};
use super::{cookie, PageError, Staff, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::auth::{secret, sessions as accounts_sessions, AuthError};
use crate::http::accounts::ClientAddr;
use crate::http::error::ApiError;
use crate::http::AppState;

/// How long the sign-in form's token is good for.
const LOGIN_FORM_SECONDS: u64 = 3600;

/// The sign-in form's fields (the CSRF token was checked by the guard).
#[derive(Deserialize)]
pub struct SignIn {
    email: String,
    password: String,
    csrf: String,
}

/// `GET /admin/login`: the form (the dashboard when already signed in).
pub async fn form(headers: HeaderMap, session: Option<axum::Extension<StaffSession>>) -> Response {
    if session.is_some() {
        return Redirect::to("/admin/").into_response();
    }
    let token = secret::generate();
    let cookie = set_cookie(&headers, LOGIN_CSRF_COOKIE, &token, LOGIN_FORM_SECONDS);
    (
        [(header::SET_COOKIE, cookie), no_store()],
        sign_in_page(&token, "", None),
    )
        .into_response()
}

/// `POST /admin/login`: an admin or auditor with the right password gets a session.
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    PageForm(body): PageForm<SignIn>,
) -> Result<Response, PageError> {
    let refused = |status: StatusCode, why: &str| {
        (
            status,
            [no_store()],
            sign_in_page(&body.csrf, &body.email, Some(why)),
        )
            .into_response()
    };
    let account = match accounts_sessions::verify_credentials(
        &state.pool,
        &body.email,
        &body.password,
        client,
    )
    .await
    {
        Ok(account) => account,
        Err(AuthError::InvalidCredentials) => {
            return Ok(refused(
                StatusCode::UNAUTHORIZED,
                "Wrong email or password.",
            ))
        }
        Err(AuthError::Throttled { .. }) => {
            return Ok(refused(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many failed attempts; try again later.",
            ))
        }
        Err(error) => return Err(ApiError::from(error).into()),
    };
    if !matches!(account.role, Role::Admin | Role::Auditor) {
        return Ok(refused(
            StatusCode::FORBIDDEN,
            "The back office is for admins and auditors.",
        ));
    }
    let started = match sessions::start(&state.pool, account.id).await {
        Ok(started) => started,
        Err(AuthError::AccountDeactivated) => {
            return Ok(refused(
                StatusCode::FORBIDDEN,
                "This account is deactivated.",
            ))
        }
        Err(error) => return Err(ApiError::from(error).into()),
    };
    tracing::info!(user_id = %account.id, "back office sign-in");
    let session = set_cookie(
        &headers,
        SESSION_COOKIE,
        &started.cookie_value,
        SESSION_TTL.as_secs(),
    );
    let spent = set_cookie(&headers, LOGIN_CSRF_COOKIE, "", 0);
    let mut response = Redirect::to("/admin/").into_response();
    response.headers_mut().append(header::SET_COOKIE, session);
    response.headers_mut().append(header::SET_COOKIE, spent);
    Ok(response)
}

/// `POST /admin/logout`: the session ends (its row is deleted) and the cookie is cleared.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(staff): Staff,
) -> Result<Response, PageError> {
    if let Some(value) = cookie(&headers, SESSION_COOKIE) {
        sessions::end(&state.pool, &value)
            .await
            .map_err(PageError::internal)?;
    }
    tracing::info!(user_id = %staff.user_id, "back office sign-out");
    let cleared = set_cookie(&headers, SESSION_COOKIE, "", 0);
    Ok((
        [(header::SET_COOKIE, cleared)],
        Redirect::to("/admin/login"),
    )
        .into_response())
}

fn sign_in_page(csrf: &str, email: &str, error: Option<&str>) -> Markup {
    bare_page(
        "Sign in",
        html! {
            @if let Some(error) = error {
                p class="error" role="alert" { (error) }
            }
            form method="post" action="/admin/login" {
                (csrf_field(csrf))
                label for="email" { "Email" }
                input id="email" name="email" type="email" autocomplete="username" required value=(email);
                label for="password" { "Password" }
                input id="password" name="password" type="password" autocomplete="current-password" required;
                p { button type="submit" { "Sign in" } }
            }
        },
    )
}

/// Pages with a session or a token are not kept by caches.
fn no_store() -> (header::HeaderName, HeaderValue) {
    (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
}

/// A `Set-Cookie` value for `name` (`max_age` 0 clears it).
fn set_cookie(headers: &HeaderMap, name: &str, value: &str, max_age: u64) -> HeaderValue {
    let tls = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|proto| proto.eq_ignore_ascii_case("https"));
    let secure = if tls { "; Secure" } else { "" };
    let cookie = format!(
        "{name}={value}; Path=/admin; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    );
    // Names are constants and values hex: always a valid header value.
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}
