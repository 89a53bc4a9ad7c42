//! Fault injection for tests only: `CHECKOUT_FAULT=<step>` aborts the process the first
//! time the checkout process reaches that step, to show that a restart converges.
//!
//! Steps: `after-reserve` (the first `ReserveStock` of an order committed), `after-redeem`
//! (the coupon redeemed), `after-release` (a rejection's reservations released, before
//! `RejectOrder`), `before-confirm` (everything secured, before `ConfirmOrder`).

use std::sync::atomic::{AtomicBool, Ordering};

/// A point of the checkout process where a fault can be injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultPoint {
    /// After the first `ReserveStock` of an order committed.
    AfterReserve,
    /// After the coupon redemption committed.
    AfterRedeem,
    /// On the reject path, after releasing and before `RejectOrder`.
    AfterRelease,
    /// Before `ConfirmOrder`.
    BeforeConfirm,
}

impl FaultPoint {
    /// Parses a `CHECKOUT_FAULT` value.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "after-reserve" => Some(Self::AfterReserve),
            "after-redeem" => Some(Self::AfterRedeem),
            "after-release" => Some(Self::AfterRelease),
            "before-confirm" => Some(Self::BeforeConfirm),
            _ => None,
        }
    }
}

/// The configured fault, fired at most once per process run.
#[derive(Debug, Default)]
pub(super) struct Fault {
    point: Option<FaultPoint>,
    fired: AtomicBool,
}

impl Fault {
    /// The fault named by `CHECKOUT_FAULT` (none when unset; an unknown value is logged).
    pub fn from_env() -> Self {
        let point = match std::env::var("CHECKOUT_FAULT") {
            Ok(value) => {
                let point = FaultPoint::parse(&value);
                if point.is_none() {
                    tracing::error!(%value, "CHECKOUT_FAULT: unknown step, ignored");
                }
                point
            }
            Err(_) => None,
        };
        Self {
            point,
            fired: AtomicBool::new(false),
        }
    }

    /// TESTS ONLY: aborts the process when `at` is the configured point, the first time.
    pub fn hit(&self, at: FaultPoint) {
        if self.point == Some(at) && !self.fired.swap(true, Ordering::SeqCst) {
            tracing::error!(?at, "CHECKOUT_FAULT: aborting the process");
            std::process::abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_step_and_nothing_else() {
        assert_eq!(
            FaultPoint::parse("after-reserve"),
            Some(FaultPoint::AfterReserve)
        );
        assert_eq!(
            FaultPoint::parse("after-redeem"),
            Some(FaultPoint::AfterRedeem)
        );
        assert_eq!(
            FaultPoint::parse("after-release"),
            Some(FaultPoint::AfterRelease)
        );
        assert_eq!(
            FaultPoint::parse("before-confirm"),
            Some(FaultPoint::BeforeConfirm)
        );
        assert_eq!(FaultPoint::parse("crash"), None);
    }

    #[test]
    fn an_unconfigured_fault_never_fires() {
        let fault = Fault::default();
        fault.hit(FaultPoint::AfterReserve);
        fault.hit(FaultPoint::BeforeConfirm);
    }
}
