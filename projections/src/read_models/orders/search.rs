//! Searching the order read model: an [`OrderQuery`]'s filters, plus what the back office
//! looks orders up by — the start of an order id, and a customer (an account, or a guest's
//! email).

use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::query::{OrderQuery, OrderRow, OrderView, ORDER_COLUMNS};
use crate::read_models::{Page, PageRequest};

/// The start of an order id: 1 to 32 hex digits, lower-case, dashes left out (people copy ids
/// with or without them, and pages show the first 8 digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdPrefix(String);

impl IdPrefix {
    /// `text` as a prefix, if it is one (dashes are ignored, case too).
    pub fn parse(text: &str) -> Option<Self> {
        let digits: String = text
            .trim()
            .chars()
            .filter(|c| *c != '-')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let valid =
            (1..=32).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_hexdigit());
        valid.then_some(Self(digits))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whose orders: those placed by `account`, and those a guest placed with `guest_email`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerMatch {
    /// An account's id.
    pub account: Option<Uuid>,
    /// A guest's (normalised, lower-case) email.
    pub guest_email: Option<String>,
}

/// The back office's lookups on top of an [`OrderQuery`]. `Default` adds nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderSearch {
    /// Only orders whose id starts with this.
    pub id_prefix: Option<IdPrefix>,
    /// Only this customer's orders.
    pub customer: Option<CustomerMatch>,
}

impl OrderSearch {
    fn push_where<'a>(&'a self, sql: &mut QueryBuilder<'a, Postgres>) {
        if let Some(prefix) = &self.id_prefix {
            // Hex digits only (see `IdPrefix::parse`): nothing to escape in the pattern.
            sql.push(" AND replace(id::text, '-', '') LIKE ")
                .push_bind(format!("{}%", prefix.as_str()));
        }
        if let Some(customer) = &self.customer {
            sql.push(" AND (customer_id = ")
                .push_bind(customer.account)
                .push(" OR lower(guest_email) = ")
                .push_bind(customer.guest_email.as_deref())
                .push(")");
        }
    }
}

/// One page of the orders matching `query` and `search`, most recently placed first, and how
/// many match.
pub async fn search(
    pool: &PgPool,
    query: &OrderQuery,
    search: &OrderSearch,
) -> Result<Page<OrderView>, sqlx::Error> {
    let request = PageRequest::new(query.page, query.per_page);

    let mut count = QueryBuilder::new("SELECT count(*)");
    query.push_where(&mut count);
    search.push_where(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;

    let mut select = QueryBuilder::new(ORDER_COLUMNS);
    query.push_where(&mut select);
    search.push_where(&mut select);
    select
        .push(" ORDER BY placed_at DESC, id DESC LIMIT ")
        .push_bind(request.limit())
        .push(" OFFSET ")
        .push_bind(request.offset());
    let rows: Vec<OrderRow> = select.build_query_as().fetch_all(pool).await?;

    let orders = rows
        .into_iter()
        .map(OrderView::try_from)
        .collect::<Result<_, _>>()?;
    Ok(request.into_page(orders, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_hex_digits_without_dashes() {
        assert_eq!(
            IdPrefix::parse(" 3F2A-9c1b ").map(|p| p.as_str().to_string()),
            Some("3f2a9c1b".to_string())
        );
        assert_eq!(IdPrefix::parse("3f2a%"), None);
        assert_eq!(IdPrefix::parse(""), None);
        assert_eq!(IdPrefix::parse(&"a".repeat(33)), None);
    }
}
