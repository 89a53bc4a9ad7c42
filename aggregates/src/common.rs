//! What several aggregates share: roles, addresses and coupon discounts, and the
//! [`cqrs_es::Aggregate`] impl they all have the same way.

use serde::{Deserialize, Serialize};

use crate::money::{Money, MoneyError};

/// What an account may do. Coupons can be restricted to some roles (`prime`, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A shopper.
    Customer,
    /// A shopper with a paid membership.
    Prime,
    /// Manages the catalogue, coupons, shipping and refunds.
    Admin,
    /// Reads everything, changes nothing.
    Auditor,
}

impl Role {
    /// The role's wire name (`customer`, `prime`, `admin`, `auditor`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Prime => "prime",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Role> {
        match name {
            "customer" => Some(Role::Customer),
            "prime" => Some(Role::Prime),
            "admin" => Some(Role::Admin),
            "auditor" => Some(Role::Auditor),
            _ => None,
        }
    }
}

/// A postal shipping address: as a customer sends it, as the cart and the order keep it, and
/// as the read models show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Recipient's name.
    #[cfg_attr(feature = "openapi", schema(example = "Ada Lovelace"))]
    pub name: String,
    /// First address line.
    #[cfg_attr(feature = "openapi", schema(example = "12 St James's Square"))]
    pub line1: String,
    /// Optional second address line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// City or town.
    #[cfg_attr(feature = "openapi", schema(example = "London"))]
    pub city: String,
    /// Postal or ZIP code.
    #[cfg_attr(feature = "openapi", schema(example = "SW1Y 4JH"))]
    pub postal_code: String,
    /// ISO-3166 alpha-2 country code, upper case.
    #[cfg_attr(feature = "openapi", schema(example = "GB"))]
    pub country: String,
}

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// A required field is empty or only whitespace.
    #[error("address field '{0}' is required")]
    MissingField(&'static str),
    /// A field is longer than [`Address::MAX_FIELD_LEN`].
    #[error("address field '{0}' is too long")]
    FieldTooLong(&'static str),
    /// The country is not a two-letter code.
    #[error("country must be an ISO-3166 alpha-2 code")]
    InvalidCountry,
}

impl Address {
    /// Longest accepted field, in characters.
    pub const MAX_FIELD_LEN: usize = 200;

    /// Checks that every required field is present, short enough, and the country is valid.
    pub fn validate(&self) -> Result<(), AddressError> {
        let required = [
            ("name", &self.name),
            ("line1", &self.line1),
            ("city", &self.city),
            ("postal_code", &self.postal_code),
        ];
        for (field, value) in required {
            if value.trim().is_empty() {
                return Err(AddressError::MissingField(field));
            }
            if value.chars().count() > Self::MAX_FIELD_LEN {
                return Err(AddressError::FieldTooLong(field));
            }
        }
        if let Some(line2) = &self.line2 {
            if line2.chars().count() > Self::MAX_FIELD_LEN {
                return Err(AddressError::FieldTooLong("line2"));
            }
        }
        let country = self.country.as_bytes();
        if country.len() != 2 || !country.iter().all(u8::is_ascii_uppercase) {
            return Err(AddressError::InvalidCountry);
        }
        Ok(())
    }
}

/// A coupon's discount: a whole percentage of the subtotal or a fixed amount.
///
/// Serialised as `{"percent": 10}` or `{"fixed": {"amount": 500, "currency": "USD"}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Discount {
    /// 1 to 100 percent of the subtotal.
    Percent(u8),
    /// A fixed amount off, never more than the subtotal.
    Fixed(Money),
}

impl Discount {
    /// The discount this coupon gives on `subtotal`: a percentage rounded half away from zero
    /// to the minor unit, or the fixed amount capped at the subtotal.
    pub fn amount_for(&self, subtotal: &Money) -> Result<Money, MoneyError> {
        match self {
            Discount::Percent(percent) => {
                subtotal.checked_mul_ratio_round(i64::from(*percent), 100)
            }
            Discount::Fixed(amount) => {
                let capped = if amount.minor > subtotal.minor {
                    *subtotal
                } else {
                    *amount
                };
                // Check the currency even when capped.
                subtotal.checked_sub(&capped).map(|_| capped)
            }
        }
    }
}

/// Implements [`cqrs_es::Aggregate`] for one of this crate's aggregates. None of them needs
/// services, and each handles a command the same way: `decide` turns the command into events
/// (or refuses it) from the aggregate as it stands, and every event is written to the sink,
/// which applies it before the next one is written. `follow_up` derives more events from the
/// aggregate once those are applied and from what `before` took of it before the command (the
/// product's low-stock alerts). `apply` is the aggregate's own `evolve`.
macro_rules! impl_aggregate {
    (
        $aggregate:ty: $type:literal, $command:ty => $event:ty, $error:ty,
        decide: |$decider:ident, $input:ident| $decide:expr,
        $(
            before: |$snapshotter:ident| $snapshot:expr,
            follow_up: |$after:ident, $before:ident| $follow_up:expr,
        )?
        apply: $apply:path $(,)?
    ) => {
        impl cqrs_es::Aggregate for $aggregate {
            const TYPE: &'static str = $type;
            type Command = $command;
            type Event = $event;
            type Error = $error;
            type Services = ();

            async fn handle(
                &mut self,
                command: $command,
                _services: &(),
                sink: &cqrs_es::event_sink::EventSink<Self>,
            ) -> Result<(), $error> {
                $(let $before = {
                    let $snapshotter = &*self;
                    $snapshot
                };)?
                let events = {
                    let $decider = &*self;
                    let $input = command;
                    $decide?
                };
                for event in events {
                    sink.write(event, self).await;
                }
                $(let follow_up = {
                    let $after = &*self;
                    $follow_up
                };
                for event in follow_up {
                    sink.write(event, self).await;
                })?
                Ok(())
            }

            fn apply(&mut self, event: $event) {
                $apply(self, event)
            }
        }
    };
}

pub(crate) use impl_aggregate;

/// Longest email address accepted (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// True for a (trimmed, lower-cased) email address's shape: one `@` between a non-empty local
/// part of at most 64 characters and a domain of dot-separated non-empty labels, with no
/// white space or control characters, at most [`MAX_EMAIL_LEN`] in all. Whether mail reaches
/// it is for a verification email to find out.
pub fn is_email_address(email: &str) -> bool {
    let shape_ok = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && local.len() <= 64
                && !domain.contains('@')
                && domain.contains('.')
                && domain.split('.').all(|label| !label.is_empty())
        }
        None => false,
    };
    shape_ok
        && email.len() <= MAX_EMAIL_LEN
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::parse("USD").expect("valid"))
    }

    fn address() -> Address {
        Address {
            name: "Ada Lovelace".into(),
            line1: "12 St James's Square".into(),
            line2: None,
            city: "London".into(),
            postal_code: "SW1Y 4JH".into(),
            country: "GB".into(),
        }
    }

    #[test]
    fn accepts_a_complete_address() {
        assert_eq!(address().validate(), Ok(()));
    }

    #[test]
    fn rejects_an_address_without_a_city() {
        let mut a = address();
        a.city = "  ".into();
        assert_eq!(a.validate(), Err(AddressError::MissingField("city")));
    }

    #[test]
    fn rejects_a_lower_case_country() {
        let mut a = address();
        a.country = "gb".into();
        assert_eq!(a.validate(), Err(AddressError::InvalidCountry));
    }

    #[test]
    fn percent_discount_rounds_to_the_minor_unit() {
        assert_eq!(Discount::Percent(15).amount_for(&usd(999)), Ok(usd(150)));
    }

    #[test]
    fn fixed_discount_never_exceeds_the_subtotal() {
        assert_eq!(
            Discount::Fixed(usd(5000)).amount_for(&usd(1200)),
            Ok(usd(1200))
        );
        assert_eq!(
            Discount::Fixed(usd(500)).amount_for(&usd(1200)),
            Ok(usd(500))
        );
    }

    #[test]
    fn discount_serialises_as_documented() {
        let json = serde_json::to_value(Discount::Percent(10)).expect("serialises");
        assert_eq!(json, serde_json::json!({"percent": 10}));
        let role = serde_json::to_value(Role::Prime).expect("serialises");
        assert_eq!(role, serde_json::json!("prime"));
    }
}
