//! Money as integer minor units of an ISO-4217 currency, with checked arithmetic.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// A circulating ISO-4217 currency (`USD`, `EUR`, `JPY`), held as its three upper-case letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// Parses a code of a circulating ISO-4217 currency; lower case is accepted and
    /// normalised. Every currency a caller gives goes through here.
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let currency = Self::from_stored(code)?;
        match crate::iso4217::minor_digits(currency.as_str()) {
            Some(_) => Ok(currency),
            None => Err(MoneyError::InvalidCurrency(code.to_string())),
        }
    }

    /// Any three letters, upper-cased: how stored events and rows are read back, so a history
    /// written under an older list of currencies still loads. Input goes through [`Self::parse`].
    pub fn from_stored(code: &str) -> Result<Self, MoneyError> {
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

    /// Digits of the minor unit: 2 for `USD` (cents), 0 for `JPY`, 3 for `KWD`; 2 for a code
    /// no longer listed.
    pub fn minor_digits(&self) -> u8 {
        crate::iso4217::minor_digits(self.as_str()).unwrap_or(2)
    }

    /// `minor` units of this currency as a decimal amount: `1999` → `19.99` in `USD`,
    /// `1999` in `JPY`.
    pub fn format_minor(&self, minor: i64) -> String {
        let sign = if minor < 0 { "-" } else { "" };
        let abs = minor.unsigned_abs();
        match self.minor_digits() {
            0 => format!("{sign}{abs}"),
            digits => {
                let scale = 10u64.pow(u32::from(digits));
                let width = usize::from(digits);
                format!("{sign}{}.{:0width$}", abs / scale, abs % scale)
            }
        }
    }

    /// A non-negative decimal amount as people type it (`12`, `12.5`, `12.50` in `USD`; `1999`
    /// in `JPY`) in minor units: the inverse of [`Self::format_minor`]. `None` unless it is
    /// digits with at most this currency's decimals, within `i64`.
    pub fn parse_minor(&self, text: &str) -> Option<i64> {
        let text = text.trim();
        let (whole, fraction) = match text.split_once('.') {
            Some((_, "")) => return None,
            Some(parts) => parts,
            None => (text, ""),
        };
        let digits = usize::from(self.minor_digits());
        let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !all_digits(whole)
            || !all_digits(fraction)
            || fraction.len() > digits
        {
            return None;
        }
        let scale = 10i64.checked_pow(u32::from(self.minor_digits()))?;
        let fraction = if digits == 0 {
            0
        } else {
            format!("{fraction:0<digits$}").parse::<i64>().ok()?
        };
        whole
            .parse::<i64>()
            .ok()?
            .checked_mul(scale)?
            .checked_add(fraction)
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
        Currency::from_stored(&code).map_err(serde::de::Error::custom)
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
    /// Not the code of a circulating ISO-4217 currency.
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
        write!(
            f,
            "{} {}",
            self.currency.format_minor(self.minor),
            self.currency
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::parse("USD").expect("valid"))
    }

    #[test]
    fn typed_amounts_are_read_in_the_currency_minor_units() {
        let code = |code: &str| Currency::parse(code).expect("valid");
        let usd = code("USD");
        assert_eq!(usd.parse_minor("12.50"), Some(1250));
        assert_eq!(usd.parse_minor(" 12.5 "), Some(1250));
        assert_eq!(usd.parse_minor("12"), Some(1200));
        assert_eq!(usd.parse_minor("0.07"), Some(7));
        assert_eq!(code("JPY").parse_minor("1999"), Some(1999));
        assert_eq!(code("JPY").parse_minor("19.5"), None);
        assert_eq!(code("KWD").parse_minor("1.999"), Some(1999));
        for bad in [
            "",
            ".5",
            "12.",
            "12.505",
            "-1",
            "1e3",
            "12,50",
            "99999999999999999999",
        ] {
            assert_eq!(usd.parse_minor(bad), None, "{bad}");
        }
        for minor in [0, 7, 1250, 123_456_789] {
            assert_eq!(usd.parse_minor(&usd.format_minor(minor)), Some(minor));
        }
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
    fn only_circulating_iso_4217_currencies_parse() {
        assert!(Currency::parse("XYZ").is_err());
        assert!(
            Currency::parse("XTS").is_err(),
            "the testing code is not money"
        );
        assert!(Currency::parse("HRK").is_err(), "withdrawn in 2023");
        assert_eq!(Currency::parse("jpy").expect("valid").as_str(), "JPY");
    }

    #[test]
    fn a_stored_currency_no_longer_listed_still_reads_back() {
        let stored: Money =
            serde_json::from_str(r#"{"amount":1,"currency":"XYZ"}"#).expect("reads back");
        assert_eq!(stored.currency.as_str(), "XYZ");
        assert_eq!(
            Currency::from_stored("hrk").expect("letters").as_str(),
            "HRK"
        );
    }

    #[test]
    fn amounts_show_the_currency_s_minor_digits() {
        let money = |minor, code| Money::new(minor, Currency::parse(code).expect("valid"));
        assert_eq!(money(1999, "USD").to_string(), "19.99 USD");
        assert_eq!(money(-5, "EUR").to_string(), "-0.05 EUR");
        assert_eq!(money(1999, "JPY").to_string(), "1999 JPY");
        assert_eq!(money(1999, "KWD").to_string(), "1.999 KWD");
        let legacy = Currency::from_stored("XYZ").expect("letters");
        assert_eq!(Money::new(1999, legacy).to_string(), "19.99 XYZ");
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
