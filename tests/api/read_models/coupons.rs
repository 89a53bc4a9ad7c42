//! Coupon projection: terms, activity and live redemptions in `coupon_views` and
//! `coupon_redemptions`, and `coupons::get`, `list`, `redemptions_by`, `usable_by`.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use commerce_aggregates::coupon::CouponEvent;
use commerce_aggregates::{Discount, Role};
use commerce_projections::read_models::coupons::{
    self, CouponProjection, CouponView, DiscountView,
};
use commerce_projections::read_models::MoneyView;
use uuid::Uuid;

use super::{start, Harness};
use crate::fixtures::usd;

/// Creates `code`: 10 % off, no window, everyone, at most `max_redemptions` in total and 2 per
/// customer.
pub async fn create_coupon(h: &mut Harness, code: &str, max_redemptions: Option<u32>) {
    h.apply(
        code,
        CouponEvent::CouponCreated {
            code: code.into(),
            discount: Discount::Percent(10),
            min_subtotal: None,
            starts_at: None,
            expires_at: None,
            eligible_roles: vec![],
            max_redemptions,
            max_per_customer: Some(2),
        },
    )
    .await;
}

/// `customer_id` redeems `code` for `order_id`, getting `discount` minor units off.
pub async fn redeem(h: &mut Harness, code: &str, order_id: Uuid, customer_id: Uuid, discount: i64) {
    h.apply(
        code,
        CouponEvent::CouponRedeemed {
            order_id,
            customer_id,
            discount_amount: usd(discount),
        },
    )
    .await;
}

async fn release(h: &mut Harness, code: &str, order_id: Uuid, customer_id: Uuid) {
    h.apply(
        code,
        CouponEvent::RedemptionReleased {
            order_id,
            customer_id,
            reason: "order cancelled".into(),
        },
    )
    .await;
}

async fn harness() -> Harness {
    Harness::new(vec![Arc::new(CouponProjection)]).await
}

async fn view(h: &Harness, code: &str) -> CouponView {
    coupons::get(h.pool(), code)
        .await
        .expect("query")
        .expect("coupon exists")
}

async fn usable(h: &Harness, customer: Uuid, role: Role, at: DateTime<Utc>) -> Vec<String> {
    coupons::usable_by(h.pool(), customer, role, at, 1, 100)
        .await
        .expect("query")
        .items
        .into_iter()
        .map(|c| c.code)
        .collect()
}

#[tokio::test]
async fn created_and_updated_terms_are_shown_as_the_domain_serialises_them() {
    let mut h = harness().await;
    create_coupon(&mut h, "WELCOME", Some(100)).await;
    let coupon = view(&h, " welcome ").await;
    assert_eq!(coupon.code, "WELCOME");
    assert_eq!(coupon.discount, DiscountView::Percent(10));
    assert_eq!(coupon.min_subtotal, None);
    assert_eq!(
        (coupon.max_redemptions, coupon.max_per_customer),
        (Some(100), Some(2))
    );
    assert!(coupon.active && coupon.eligible_roles.is_empty());
    assert_eq!((coupon.redemption_count, coupon.discount_given), (0, None));
    assert_eq!((coupon.created_at, coupon.version), (start(), 1));

    let (from, until) = (start(), start() + Duration::days(30));
    let updated = h
        .apply(
            "WELCOME",
            CouponEvent::CouponUpdated {
                discount: Discount::Fixed(usd(500)),
                min_subtotal: Some(usd(3000)),
                starts_at: Some(from),
                expires_at: Some(until),
                eligible_roles: vec![Role::Prime, Role::Admin],
                max_redemptions: None,
                max_per_customer: Some(1),
            },
        )
        .await;
    let coupon = view(&h, "WELCOME").await;
    assert_eq!(
        coupon.discount,
        DiscountView::Fixed(MoneyView::new(500, "USD"))
    );
    assert_eq!(coupon.min_subtotal, Some(MoneyView::new(3000, "USD")));
    assert_eq!(
        (coupon.starts_at, coupon.expires_at),
        (Some(from), Some(until))
    );
    assert_eq!(coupon.eligible_roles, ["prime", "admin"]);
    assert_eq!(
        (coupon.max_redemptions, coupon.max_per_customer),
        (None, Some(1))
    );
    assert_eq!(
        (coupon.updated_at, coupon.version),
        (updated.recorded_at, 2)
    );
    assert_eq!(coupon.created_at, start());

    h.apply("WELCOME", CouponEvent::CouponDeactivated {}).await;
    let coupon = view(&h, "WELCOME").await;
    assert!(!coupon.active);
    assert_eq!(coupon.version, 3);
    assert!(coupons::get(h.pool(), "NOPE")
        .await
        .expect("query")
        .is_none());
}

#[tokio::test]
async fn redemptions_are_counted_and_released() {
    let mut h = harness().await;
    create_coupon(&mut h, "SPRING", Some(10)).await;
    let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
    let (first, second, third) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    redeem(&mut h, "SPRING", first, alice, 150).await;
    redeem(&mut h, "SPRING", second, alice, 250).await;
    redeem(&mut h, "SPRING", third, bob, 100).await;

    let coupon = view(&h, "SPRING").await;
    assert_eq!(coupon.redemption_count, 3);
    assert_eq!(coupon.discount_given, Some(MoneyView::new(500, "USD")));
    assert_eq!(coupon.version, 4);
    let by = |customer| coupons::redemptions_by(h.pool(), "spring", customer);
    assert_eq!(by(alice).await.expect("count"), 2);
    assert_eq!(by(bob).await.expect("count"), 1);
    assert_eq!(by(Uuid::new_v4()).await.expect("count"), 0);

    release(&mut h, "SPRING", second, alice).await;
    let coupon = view(&h, "SPRING").await;
    assert_eq!(coupon.redemption_count, 2);
    assert_eq!(coupon.discount_given.map(|m| m.amount), Some(250));
    assert_eq!(
        coupons::redemptions_by(h.pool(), "SPRING", alice)
            .await
            .expect("count"),
        1
    );
    let rows: Vec<(Uuid, Uuid, i64)> = sqlx::query_as(
        "SELECT order_id, customer_id, discount_minor FROM coupon_redemptions \
         WHERE code = 'SPRING' ORDER BY redeemed_at",
    )
    .fetch_all(h.pool())
    .await
    .expect("rows");
    assert_eq!(rows, [(first, alice, 150), (third, bob, 100)]);

    // The freed slot can be used again.
    redeem(&mut h, "SPRING", Uuid::new_v4(), alice, 300).await;
    let coupon = view(&h, "SPRING").await;
    assert_eq!((coupon.redemption_count, coupon.version), (3, 6));
    assert_eq!(coupon.discount_given.map(|m| m.amount), Some(550));
}

#[tokio::test]
async fn usable_coupons_respect_activity_window_roles_and_limits() {
    let mut h = harness().await;
    let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
    let now = start() + Duration::days(1);
    create_coupon(&mut h, "ALWAYS", None).await;
    create_coupon(&mut h, "ONCE", Some(1)).await;
    create_coupon(&mut h, "OFF", None).await;
    h.apply("OFF", CouponEvent::CouponDeactivated {}).await;
    for (code, starts_at, expires_at, eligible_roles) in [
        ("LATER", Some(now + Duration::hours(1)), None, vec![]),
        ("PAST", None, Some(now), vec![]),
        ("PRIME", None, None, vec![Role::Prime]),
    ] {
        h.apply(
            code,
            CouponEvent::CouponCreated {
                code: code.into(),
                discount: Discount::Percent(5),
                min_subtotal: None,
                starts_at,
                expires_at,
                eligible_roles,
                max_redemptions: None,
                max_per_customer: None,
            },
        )
        .await;
    }
    assert_eq!(
        usable(&h, alice, Role::Customer, now).await,
        ["ALWAYS", "ONCE"]
    );
    assert_eq!(
        usable(&h, alice, Role::Prime, now).await,
        ["ALWAYS", "ONCE", "PRIME"]
    );
    assert_eq!(
        usable(&h, alice, Role::Customer, now + Duration::hours(1)).await,
        ["ALWAYS", "LATER", "ONCE"]
    );
    assert_eq!(
        usable(&h, alice, Role::Customer, now - Duration::seconds(1)).await,
        ["ALWAYS", "ONCE", "PAST"]
    );

    // ONCE is exhausted for everybody; ALWAYS allows two per customer.
    redeem(&mut h, "ONCE", Uuid::new_v4(), bob, 100).await;
    redeem(&mut h, "ALWAYS", Uuid::new_v4(), alice, 100).await;
    assert_eq!(usable(&h, alice, Role::Customer, now).await, ["ALWAYS"]);
    redeem(&mut h, "ALWAYS", Uuid::new_v4(), alice, 100).await;
    assert!(usable(&h, alice, Role::Customer, now).await.is_empty());
    assert_eq!(usable(&h, bob, Role::Customer, now).await, ["ALWAYS"]);
}

#[tokio::test]
async fn lists_every_coupon_newest_first_in_pages() {
    let mut h = harness().await;
    for code in ["AAA", "BBB", "CCC"] {
        create_coupon(&mut h, code, None).await;
    }
    h.apply("AAA", CouponEvent::CouponDeactivated {}).await;
    let page = coupons::list(h.pool(), 1, 2).await.expect("list");
    let codes: Vec<_> = page.items.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, ["CCC", "BBB"]);
    assert_eq!((page.total, page.page, page.per_page), (3, 1, 2));
    let page = coupons::list(h.pool(), 2, 2).await.expect("list");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].code, "AAA");
    assert!(!page.items[0].active);
}
