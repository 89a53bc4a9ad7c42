//! The coupon form of the back office: its fields (empty to create, filled with a coupon's
//! terms to edit) and how a posted form reads as the terms the coupon use cases take.
//!
//! Only the form's shape is checked here (a number where a number goes, a known currency, a
//! date); whether the terms make a valid coupon is the coupon aggregate's to say, so the page
//! shows the same refusals as the API.

use chrono::{DateTime, Utc};
use commerce_aggregates::coupon::CouponTerms;
use commerce_aggregates::{Currency, Discount, Role};
use commerce_projections::read_models::coupons::{CouponView, DiscountView};
use commerce_projections::read_models::MoneyView;
use maud::{html, Markup};
use serde::Deserialize;

use super::fields::{self, LOCAL_MINUTES};
use super::PageError;
use crate::usecases::coupons::{CouponChanges, NewCoupon};

/// The roles a coupon can be limited to, with their checkbox's field name.
const ROLES: [(Role, &str); 4] = [
    (Role::Customer, "role_customer"),
    (Role::Prime, "role_prime"),
    (Role::Admin, "role_admin"),
    (Role::Auditor, "role_auditor"),
];

/// A posted coupon form. Every field is text (absent: empty), so a bad value gets this
/// module's 400 page naming the field rather than a deserialisation error.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CouponForm {
    /// The code (creation only).
    pub code: String,
    /// The version the edit form showed (edits only).
    pub version: String,
    discount_kind: String,
    discount_value: String,
    currency: String,
    min_subtotal: String,
    starts_at: String,
    expires_at: String,
    role_customer: String,
    role_prime: String,
    role_admin: String,
    role_auditor: String,
    max_redemptions: String,
    max_per_customer: String,
}

impl CouponForm {
    /// The coupon to create.
    pub fn new_coupon(&self) -> Result<NewCoupon, PageError> {
        Ok(NewCoupon {
            code: self.code.clone(),
            terms: self.terms()?,
        })
    }

    /// The edit form states every term: an empty optional field clears it.
    pub fn changes(&self) -> Result<CouponChanges, PageError> {
        Ok(CouponChanges::from(self.terms()?))
    }

    /// The version the edit form showed.
    pub fn expected_version(&self) -> Result<usize, PageError> {
        fields::version(&self.version)
    }

    /// The terms the form states (the coupon aggregate validates them).
    fn terms(&self) -> Result<CouponTerms, PageError> {
        let currency = || fields::currency(&self.currency);
        let discount = match self.discount_kind.as_str() {
            "percent" => Discount::Percent(self.discount_value.trim().parse().map_err(|_| {
                PageError::bad_request("a percent discount must be a whole number from 1 to 100")
            })?),
            "fixed" => Discount::Fixed(fields::amount(
                &self.discount_value,
                currency()?,
                "the discount",
            )?),
            _ => {
                return Err(PageError::bad_request(
                    "choose a percent or a fixed discount",
                ))
            }
        };
        let min_subtotal = match self.min_subtotal.trim() {
            "" => None,
            text => Some(fields::amount(text, currency()?, "the minimum subtotal")?),
        };
        let eligible_roles = ROLES
            .iter()
            .filter(|(_, field)| self.checked(field))
            .map(|(role, _)| *role)
            .collect();
        Ok(CouponTerms {
            discount,
            min_subtotal,
            starts_at: instant_field(&self.starts_at, "the start")?,
            expires_at: instant_field(&self.expires_at, "the end")?,
            eligible_roles,
            max_redemptions: fields::optional_count(&self.max_redemptions, "the total limit")?,
            max_per_customer: fields::optional_count(
                &self.max_per_customer,
                "the limit per customer",
            )?,
        })
    }

    fn checked(&self, field: &str) -> bool {
        let value = match field {
            "role_customer" => &self.role_customer,
            "role_prime" => &self.role_prime,
            "role_admin" => &self.role_admin,
            _ => &self.role_auditor,
        };
        !value.is_empty()
    }
}

fn instant_field(text: &str, what: &str) -> Result<Option<DateTime<Utc>>, PageError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    fields::local_instant(text)
        .map(Some)
        .ok_or_else(|| PageError::BadRequest(format!("{what} must be a date and time")))
}

/// An amount as typed in the form: `12.50` (the currency's own decimals).
fn typed_amount(money: &MoneyView) -> String {
    Currency::from_stored(&money.currency).map_or_else(
        |_| money.amount.to_string(),
        |currency| currency.format_minor(money.amount),
    )
}

/// The form's fields, empty or with `coupon`'s terms (the code is the create form's own).
pub fn fields(coupon: Option<&CouponView>) -> Markup {
    let (kind, value, fixed_currency) = match coupon.map(|c| &c.discount) {
        Some(DiscountView::Percent(percent)) => ("percent", percent.to_string(), None),
        Some(DiscountView::Fixed(money)) => ("fixed", typed_amount(money), Some(&money.currency)),
        None => ("percent", String::new(), None),
    };
    let min_subtotal = coupon.and_then(|c| c.min_subtotal.as_ref());
    let currency = fixed_currency
        .or(min_subtotal.map(|m| &m.currency))
        .cloned()
        .unwrap_or_default();
    let local = |at: Option<DateTime<Utc>>| {
        at.map(|at| at.format(LOCAL_MINUTES).to_string())
            .unwrap_or_default()
    };
    let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    let roles: &[String] = coupon.map_or(&[], |c| &c.eligible_roles);
    html! {
        label for="discount_kind" { "Discount" }
        select id="discount_kind" name="discount_kind" {
            option value="percent" selected[kind == "percent"] { "Percent of the subtotal" }
            option value="fixed" selected[kind == "fixed"] { "Fixed amount" }
        }
        label for="discount_value" { "Percent (1–100) or amount (e.g. 5.00)" }
        input id="discount_value" name="discount_value" required inputmode="decimal" value=(value);
        label for="currency" { "Currency (for a fixed amount or a minimum subtotal)" }
        input id="currency" name="currency" maxlength="3" placeholder="USD" value=(currency);
        label for="min_subtotal" { "Minimum subtotal (optional)" }
        input id="min_subtotal" name="min_subtotal" inputmode="decimal"
            value=(min_subtotal.map(typed_amount).unwrap_or_default());
        label for="starts_at" { "Valid from (UTC, optional)" }
        input id="starts_at" name="starts_at" type="datetime-local"
            value=(local(coupon.and_then(|c| c.starts_at)));
        label for="expires_at" { "Valid until (UTC, optional)" }
        input id="expires_at" name="expires_at" type="datetime-local"
            value=(local(coupon.and_then(|c| c.expires_at)));
        fieldset {
            legend { "Only for these roles (none ticked: everyone)" }
            @for (role, field) in ROLES {
                label for=(field) {
                    input type="checkbox" id=(field) name=(field) value="on"
                        checked[roles.iter().any(|r| r == role.as_str())];
                    (role.as_str())
                }
            }
        }
        label for="max_redemptions" { "Most redemptions in all (optional)" }
        input id="max_redemptions" name="max_redemptions" type="number" min="1"
            value=(number(coupon.and_then(|c| c.max_redemptions)));
        label for="max_per_customer" { "Most redemptions per customer (optional)" }
        input id="max_per_customer" name="max_per_customer" type="number" min="1"
            value=(number(coupon.and_then(|c| c.max_per_customer)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_with_a_bad_percent_or_kind_is_refused() {
        let form = CouponForm {
            discount_kind: "percent".into(),
            discount_value: "300".into(),
            ..CouponForm::default()
        };
        assert!(form.new_coupon().is_err());
        let form = CouponForm {
            discount_kind: "gift".into(),
            discount_value: "5".into(),
            ..CouponForm::default()
        };
        assert!(form.new_coupon().is_err());
    }

    #[test]
    fn an_edit_states_every_term_and_clears_empty_ones() {
        let form = CouponForm {
            discount_kind: "fixed".into(),
            discount_value: "5".into(),
            currency: "usd".into(),
            role_prime: "on".into(),
            ..CouponForm::default()
        };
        let changes = form.changes().expect("valid");
        assert_eq!(changes.min_subtotal, Some(None));
        assert_eq!(changes.eligible_roles, Some(vec![Role::Prime]));
        assert!(matches!(changes.discount, Some(Discount::Fixed(m)) if m.minor == 500));
    }
}
