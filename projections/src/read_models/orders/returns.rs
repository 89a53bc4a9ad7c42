//! An order's returns as the read model shows them, folded from its return events
//! (`ReturnRequested`, `ReturnApproved`, `ReturnRejected`, `ReturnReceived`) by one function
//! that the live projection, its fast replay and the as-of view all use.

use chrono::{DateTime, Utc};
use commerce_aggregates::order::OrderEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One return of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnView {
    /// The return's id (also the id of the refund made when it is received).
    pub return_id: Uuid,
    /// The units sent back.
    pub lines: Vec<ReturnLineView>,
    /// The customer's reason.
    pub reason: String,
    /// `requested`, `approved`, `rejected` or `received`.
    #[cfg_attr(feature = "openapi", schema(example = "approved"))]
    pub status: String,
    /// When it was asked for.
    pub requested_at: DateTime<Utc>,
    /// When an admin approved it.
    pub approved_at: Option<DateTime<Utc>>,
    /// When an admin rejected it.
    pub rejected_at: Option<DateTime<Utc>>,
    /// Why it was rejected.
    pub rejection_reason: Option<String>,
    /// When the units arrived.
    pub received_at: Option<DateTime<Utc>>,
    /// Whether they went back to stock.
    pub restocked: Option<bool>,
}

/// Units of one line of a return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnLineView {
    /// The line's SKU.
    pub sku: String,
    /// Units.
    pub quantity: u32,
}

/// The returns of an order row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Returns {
    /// Every return, in the order they were asked for.
    pub list: Vec<ReturnView>,
}

impl Returns {
    /// Folds `event` in. False (and nothing changed) for events that are not about returns.
    pub fn apply(&mut self, event: &OrderEvent) -> bool {
        let (return_id, change): (Uuid, &dyn Fn(&mut ReturnView)) = match event {
            OrderEvent::ReturnRequested {
                return_id,
                lines,
                reason,
                requested_at,
            } => {
                self.list.push(ReturnView {
                    return_id: *return_id,
                    lines: lines
                        .iter()
                        .map(|line| ReturnLineView {
                            sku: line.sku.clone(),
                            quantity: line.quantity,
                        })
                        .collect(),
                    reason: reason.clone(),
                    status: "requested".into(),
                    requested_at: *requested_at,
                    approved_at: None,
                    rejected_at: None,
                    rejection_reason: None,
                    received_at: None,
                    restocked: None,
                });
                return true;
            }
            OrderEvent::ReturnApproved {
                return_id,
                approved_at,
            } => (*return_id, &|r: &mut ReturnView| {
                r.status = "approved".into();
                r.approved_at = Some(*approved_at);
            }),
            OrderEvent::ReturnRejected {
                return_id,
                reason,
                rejected_at,
            } => (*return_id, &|r: &mut ReturnView| {
                r.status = "rejected".into();
                r.rejected_at = Some(*rejected_at);
                r.rejection_reason = Some(reason.clone());
            }),
            OrderEvent::ReturnReceived {
                return_id,
                restock,
                received_at,
            } => (*return_id, &|r: &mut ReturnView| {
                r.status = "received".into();
                r.received_at = Some(*received_at);
                r.restocked = Some(*restock);
            }),
            _ => return false,
        };
        if let Some(found) = self.list.iter_mut().find(|r| r.return_id == return_id) {
            change(found);
        }
        true
    }
}
