//! What a command requires before it runs: the caller's role (checked before the path and
//! body are looked at, so a customer on an admin route is 403 whatever it sends) and the
//! `If-Match` version.

use axum::extract::FromRequestParts;
use axum::http::header::IF_MATCH;
use axum::http::request::Parts;
use commerce_aggregates::Role;

use crate::http::auth::AuthUser;
use crate::http::error::ApiError;
use crate::http::AppState;

/// An authenticated admin.
pub struct Admin(pub AuthUser);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        user.require_admin()?;
        Ok(Self(user))
    }
}

/// An authenticated shopper (`customer` or `prime`): only shoppers own carts and orders.
pub struct Shopper(pub AuthUser);

impl FromRequestParts<AppState> for Shopper {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        user.require(&[Role::Customer, Role::Prime])?;
        Ok(Self(user))
    }
}

/// An authenticated caller who may change things: anyone but an auditor.
pub struct Writer(pub AuthUser);

impl FromRequestParts<AppState> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        user.require(&[Role::Customer, Role::Prime, Role::Admin])?;
        Ok(Self(user))
    }
}

/// The version named by `If-Match` (`3` or `"3"`); `None` without the header or for `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub Option<usize>);

impl IfMatch {
    /// Parses one header value; `None` when it is not a version.
    pub fn parse(value: &str) -> Option<Option<usize>> {
        let value = value.trim();
        if value == "*" {
            return Some(None);
        }
        let unquoted = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        if unquoted.is_empty() || !unquoted.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        unquoted.parse().ok().map(Some)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let mut values = parts.headers.get_all(IF_MATCH).iter();
        let Some(value) = values.next() else {
            return Ok(Self(None));
        };
        let malformed = || {
            ApiError::bad_request(
                "invalid_if_match",
                "If-Match must be one aggregate version, e.g. `If-Match: 3` or `If-Match: \"3\"`",
            )
        };
        if values.next().is_some() {
            return Err(malformed());
        }
        let text = value.to_str().map_err(|_| malformed())?;
        IfMatch::parse(text).map(Self).ok_or_else(malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_accepts_plain_and_quoted_versions() {
        assert_eq!(IfMatch::parse("3"), Some(Some(3)));
        assert_eq!(IfMatch::parse(" \"12\" "), Some(Some(12)));
        assert_eq!(IfMatch::parse("*"), Some(None));
    }

    #[test]
    fn if_match_refuses_anything_else() {
        for bad in [
            "",
            "abc",
            "-1",
            "\"\"",
            "3.0",
            "W/\"3\"",
            "99999999999999999999999",
        ] {
            assert_eq!(IfMatch::parse(bad), None, "{bad}");
        }
    }
}
