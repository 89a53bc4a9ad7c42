//! Rows of other tables an append carries: stored in the commit of its events, so a record
//! kept beside the events cannot disagree with them (both are stored, or neither).

use uuid::Uuid;

/// A row stored with an append's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Companion {
    /// The outcome of a payment attempt (`payment_attempts`), recorded with the payment the
    /// order takes: were the outcome stored without the payment, a retry would open a new
    /// attempt (a new idempotency key) and charge again; stored with it, a retry after a lost
    /// commit joins the same attempt and the provider answers it with the same charge. An
    /// attempt already `paid` keeps its outcome.
    AttemptOutcome {
        /// The order.
        order_id: Uuid,
        /// The attempt's number.
        attempt: i32,
        /// `pending`, `awaiting`, `paid` or `declined`.
        outcome: &'static str,
        /// The provider's reference, once known (else the attempt keeps its own).
        reference: Option<String>,
    },
}

/// The companions of a batch as the statement's column arrays (`$first` onwards: order ids,
/// attempts, outcomes, references, and the number of event rows the batch must have inserted
/// for the companions to be written).
#[derive(Default)]
pub(super) struct Outcomes<'b> {
    pub order_ids: Vec<Uuid>,
    pub attempts: Vec<i32>,
    pub outcomes: Vec<&'static str>,
    pub references: Vec<Option<&'b str>>,
}

impl<'b> Outcomes<'b> {
    pub(super) fn of(companions: &[&'b Companion]) -> Self {
        let mut columns = Outcomes::default();
        for companion in companions {
            let Companion::AttemptOutcome {
                order_id,
                attempt,
                outcome,
                reference,
            } = companion;
            columns.order_ids.push(*order_id);
            columns.attempts.push(*attempt);
            columns.outcomes.push(outcome);
            columns.references.push(reference.as_deref());
        }
        columns
    }

    /// The statement's part writing them, its parameters numbered from `first`; it writes
    /// nothing unless the CTE `inserted` returned every event row of the batch.
    pub(super) fn statement(first: usize) -> String {
        let [ids, attempts, outcomes, references, rows] =
            [0, 1, 2, 3, 4].map(|offset| first + offset);
        format!(
            "outcomes AS (
               UPDATE payment_attempts a
                  SET outcome = o.outcome, reference = coalesce(o.reference, a.reference),
                      updated_at = now()
                 FROM UNNEST(${ids}::uuid[], ${attempts}::int[], ${outcomes}::text[],
                             ${references}::text[]) AS o(order_id, attempt, outcome, reference)
                WHERE a.order_id = o.order_id AND a.attempt = o.attempt AND a.outcome <> 'paid'
                  AND (SELECT count(*) FROM inserted) = ${rows})"
        )
    }
}
