//! Money as integer minor units of an ISO-4217 currency, with checked arithmetic.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// An ISO-4217 currency code: exactly three ASCII upper-case letters (`USD`, `EUR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// Parses a currency code; lower case is accepted and normalised.
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let bytes = code.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(MoneyError::InvalidCurrency(code.to_string()));
        }
        Ok(Self([
            bytes[0].to_ascii_uppercase(),
            bytes[1].to_ascii_uppercase(),
            bytes[2].to_ascii_uppercase(),
        ]))
    }

    /// The three-letter code.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> Self {
        currency.as_str().to_string()
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::parse(&code).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Currency {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Currency".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "ISO-4217 currency code: three upper-case letters.",
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            "examples": ["USD"]
        })
    }
}

/// An amount of money: integer minor units (cents for USD) and a currency.
///
/// Serialised as `{"amount": 1999, "currency": "USD"}`. Arithmetic is checked: it fails on
/// overflow and on mixing currencies instead of producing a wrong figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Money {
    /// Amount in minor units of the currency.
    #[serde(rename = "amount")]
    pub minor: i64,
    /// ISO-4217 currency.
    pub currency: Currency,
}

/// Why a money operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The two operands are in different currencies.
    #[error("currency mismatch: {0} and {1}")]
    CurrencyMismatch(Currency, Currency),
    /// The result does not fit in 64 bits of minor units.
    #[error("amount overflow")]
    Overflow,
    /// Not a three-letter ISO-4217 code.
    #[error("invalid currency code '{0}'")]
    InvalidCurrency(String),
}

impl Money {
    /// `minor` units of `currency`.
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    /// True when the amount is negative.
    pub fn is_negative(&self) -> bool {
        self.minor < 0
    }

    /// True when the amount is zero.
    pub fn is_zero(&self) -> bool {
        self.minor == 0
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }

    /// `self + other`, same currency only.
    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// `self - other`, same currency only.
    pub fn checked_sub(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_sub(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// `self × factor` (a quantity).
    pub fn checked_mul(&self, factor: i64) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(factor).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// `self × numerator / denominator`, rounded half away from zero to the minor unit.
    ///
    /// Used for percentages and rates (`numerator` basis points over `10_000`, say); the
    /// intermediate product is computed in 128 bits so it cannot overflow.
    pub fn checked_mul_ratio_round(
        &self,
        numerator: i64,
        denominator: i64,
    ) -> Result<Money, MoneyError> {
        if denominator == 0 {
            return Err(MoneyError::Overflow);
        }
        let product = i128::from(self.minor) * i128::from(numerator);
        let denominator = i128::from(denominator);
        let quotient = product / denominator;
        let remainder = product % denominator;
        let rounded = if 2 * remainder.abs() >= denominator.abs() {
            quotient + product.signum() * denominator.signum()
        } else {
            quotient
        };
        let minor = i64::try_from(rounded).map_err(|_| MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// Sums `amounts`, all in `currency`; an empty list sums to zero.
    pub fn sum<'a>(
        currency: Currency,
        amounts: impl IntoIterator<Item = &'a Money>,
    ) -> Result<Money, MoneyError> {
        amounts
            .into_iter()
            .try_fold(Money::zero(currency), |acc, m| acc.checked_add(m))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        write!(f, "{sign}{}.{:02} {}", abs / 100, abs % 100, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::parse("USD").expect("valid"))
    }

    #[test]
    fn serialises_as_amount_and_currency() {
        let json = serde_json::to_value(usd(1999)).expect("serialises");
        assert_eq!(json, serde_json::json!({"amount": 1999, "currency": "USD"}));
        let back: Money = serde_json::from_value(json).expect("deserialises");
        assert_eq!(back, usd(1999));
    }

    #[test]
    fn rejects_invalid_currency_codes() {
        assert!(Currency::parse("US").is_err());
        assert!(Currency::parse("US1").is_err());
        assert!(Currency::parse("USDX").is_err());
        assert_eq!(Currency::parse("eur").expect("valid").as_str(), "EUR");
        assert!(serde_json::from_str::<Money>(r#"{"amount":1,"currency":"X"}"#).is_err());
    }

    #[test]
    fn refuses_to_mix_currencies() {
        let eur = Money::new(100, Currency::parse("EUR").expect("valid"));
        assert!(matches!(
            usd(100).checked_add(&eur),
            Err(MoneyError::CurrencyMismatch(_, _))
        ));
    }

    #[test]
    fn detects_overflow() {
        assert_eq!(
            usd(i64::MAX).checked_add(&usd(1)),
            Err(MoneyError::Overflow)
        );
        assert_eq!(usd(i64::MAX).checked_mul(2), Err(MoneyError::Overflow));
    }

    #[test]
    fn ratio_rounds_half_away_from_zero() {
        assert_eq!(usd(1005).checked_mul_ratio_round(10, 100), Ok(usd(101)));
        assert_eq!(usd(1004).checked_mul_ratio_round(10, 100), Ok(usd(100)));
        assert_eq!(usd(-1005).checked_mul_ratio_round(10, 100), Ok(usd(-101)));
    }

    #[test]
    fn sums_and_displays() {
        let total = Money::sum(usd(0).currency, &[usd(150), usd(275)]).expect("sums");
        assert_eq!(total, usd(425));
        assert_eq!(total.to_string(), "4.25 USD");
    }
}
