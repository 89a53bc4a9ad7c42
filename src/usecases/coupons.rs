//! Manage coupons (admins): create one, change its terms, deactivate it. A coupon's stream is
//! named by its normalised code (trimmed, upper case), so the code is checked before it names
//! one; the terms themselves are the coupon aggregate's to check.

use chrono::{DateTime, Utc};
use commerce_aggregates::coupon::{normalize_code, CouponCommand, CouponError, CouponTerms};
use commerce_aggregates::{Discount, Money, Role};

use crate::store::{CommandMetadata, ExecuteError, Stores};

/// A coupon to create: its code and its terms (the coupon aggregate validates them).
#[derive(Debug, Clone)]
pub struct NewCoupon {
    /// The code customers type, any case.
    pub code: String,
    /// What it gives, to whom, when and how often.
    pub terms: CouponTerms,
}

/// A coupon just created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedCoupon {
    /// Its normalised code (its id).
    pub code: String,
    /// Its version.
    pub version: usize,
}

/// Changes of a coupon's terms: `None` keeps a field, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct CouponChanges {
    /// New discount.
    pub discount: Option<Discount>,
    /// New minimum subtotal, or none.
    pub min_subtotal: Option<Option<Money>>,
    /// New start of validity, or none.
    pub starts_at: Option<Option<DateTime<Utc>>>,
    /// New end of validity, or none.
    pub expires_at: Option<Option<DateTime<Utc>>>,
    /// New eligible roles (empty: everyone).
    pub eligible_roles: Option<Vec<Role>>,
    /// New total limit (not below the redemptions made), or none.
    pub max_redemptions: Option<Option<u32>>,
    /// New per-customer limit, or none.
    pub max_per_customer: Option<Option<u32>>,
}

impl From<CouponTerms> for CouponChanges {
    /// Every term stated: an optional one that is none clears it.
    fn from(terms: CouponTerms) -> Self {
        Self {
            discount: Some(terms.discount),
            min_subtotal: Some(terms.min_subtotal),
            starts_at: Some(terms.starts_at),
            expires_at: Some(terms.expires_at),
            eligible_roles: Some(terms.eligible_roles),
            max_redemptions: Some(terms.max_redemptions),
            max_per_customer: Some(terms.max_per_customer),
        }
    }
}

/// Creates an active coupon; its code and version.
#[tracing::instrument(skip_all, fields(code = %input.code), err(level = "debug"))]
pub async fn create_coupon(
    stores: &Stores,
    input: NewCoupon,
    metadata: &CommandMetadata,
) -> Result<CreatedCoupon, ExecuteError<CouponError>> {
    let code = normalize_code(&input.code).map_err(ExecuteError::Domain)?;
    let command = CouponCommand::create(code.clone(), input.terms);
    let committed = stores
        .coupons
        .execute(&code, command, metadata, None)
        .await?;
    Ok(CreatedCoupon {
        code,
        version: committed.version,
    })
}

/// Changes coupon `code`'s terms at the version the admin saw (`If-Match`), if any; its
/// version.
#[tracing::instrument(skip_all, fields(code = %code), err(level = "debug"))]
pub async fn update_coupon(
    stores: &Stores,
    code: &str,
    changes: CouponChanges,
    metadata: &CommandMetadata,
    expected_version: Option<usize>,
) -> Result<usize, ExecuteError<CouponError>> {
    let command = CouponCommand::UpdateCoupon {
        discount: changes.discount,
        min_subtotal: changes.min_subtotal,
        starts_at: changes.starts_at,
        expires_at: changes.expires_at,
        eligible_roles: changes.eligible_roles,
        max_redemptions: changes.max_redemptions,
        max_per_customer: changes.max_per_customer,
    };
    execute(stores, code, command, metadata, expected_version).await
}

/// Deactivates coupon `code` for good, at the version the admin saw, if any; its version.
#[tracing::instrument(skip_all, fields(code = %code), err(level = "debug"))]
pub async fn deactivate_coupon(
    stores: &Stores,
    code: &str,
    metadata: &CommandMetadata,
    expected_version: Option<usize>,
) -> Result<usize, ExecuteError<CouponError>> {
    let command = CouponCommand::DeactivateCoupon;
    execute(stores, code, command, metadata, expected_version).await
}

/// Runs `command` on the existing coupon `code`: a code no coupon can have names none.
async fn execute(
    stores: &Stores,
    code: &str,
    command: CouponCommand,
    metadata: &CommandMetadata,
    expected_version: Option<usize>,
) -> Result<usize, ExecuteError<CouponError>> {
    let code = normalize_code(code).map_err(|_| ExecuteError::Domain(CouponError::NotFound))?;
    let committed = stores
        .coupons
        .execute(&code, command, metadata, expected_version)
        .await?;
    Ok(committed.version)
}
