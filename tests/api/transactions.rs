//! The event store's multi-stream transactions: several streams committed together, each at
//! the version it was decided on, all or nothing; and events that follow a stream's last
//! event under a condition (what the decision did not depend on may have been appended); and
//! companions, rows of other tables stored in the commit of a command's events.

use commerce::payments::attempts::{self, AttemptOutcome};
use commerce::store::{CommitError, ExecuteError, Loaded, Snapshots, Stores};
use commerce_aggregates::coupon::{Coupon, CouponCommand, CouponEvent, REDEMPTION_EVENTS};
use commerce_aggregates::{Discount, Role};
use futures_util::future::join_all;
use uuid::Uuid;

use crate::fixtures::{usd, SAME_COMMIT};
use crate::helpers::{admin_metadata, TestDatabase};

/// Creates coupon `code` (10 % off, no limits) through `stores`.
async fn unlimited_coupon(stores: &Stores, code: &str) {
    let command = CouponCommand::CreateCoupon {
        code: code.into(),
        discount: Discount::Percent(10),
        min_subtotal: None,
        starts_at: None,
        expires_at: None,
        eligible_roles: vec![],
        max_redemptions: None,
        max_per_customer: None,
    };
    stores
        .coupons
        .execute(code, command, &admin_metadata(), None)
        .await
        .expect("coupon created");
}

fn redeem(order_id: Uuid) -> CouponCommand {
    CouponCommand::RedeemCoupon {
        order_id,
        customer_id: Uuid::new_v4(),
        customer_role: Role::Customer,
        subtotal: usd(5000),
        at: chrono::Utc::now(),
    }
}

/// The redemption of `order_id` decided on `coupon`, as a checkout decides it.
fn redemption(coupon: &Coupon, order_id: Uuid) -> Vec<CouponEvent> {
    coupon
        .redeem(
            order_id,
            Uuid::new_v4(),
            Role::Customer,
            usd(5000),
            chrono::Utc::now(),
        )
        .expect("redeemable")
}

/// Commits `events` on coupon `code` in a transaction of their own, following whatever the
/// stream holds after `read_at` (redemptions ignored), as a checkout commits a redemption.
async fn follow(
    stores: &Stores,
    code: &str,
    read_at: usize,
    events: Vec<CouponEvent>,
) -> Result<Snapshots, CommitError> {
    let mut transaction = stores.transaction();
    transaction.add_following(&stores.coupons, code, read_at, events, REDEMPTION_EVENTS);
    transaction.commit(&admin_metadata()).await
}

/// Deactivates coupon `code` (a change of its terms).
async fn deactivate(stores: &Stores, code: &str) {
    stores
        .coupons
        .execute(
            code,
            CouponCommand::DeactivateCoupon,
            &admin_metadata(),
            None,
        )
        .await
        .expect("deactivated");
}

/// The stored event types of coupon `code`, in sequence order, with their sequences.
async fn stream(db: &TestDatabase, code: &str) -> Vec<(i64, String)> {
    sqlx::query_as(
        "SELECT sequence, event_type FROM events
          WHERE aggregate_type = 'coupon' AND aggregate_id = $1 ORDER BY sequence",
    )
    .bind(code)
    .fetch_all(&db.pool)
    .await
    .expect("events")
}

#[tokio::test]
async fn a_stream_changed_since_it_was_read_fails_the_whole_commit() {
    let db = TestDatabase::create().await;
    let stores = Stores::new(db.pool.clone(), 10);
    unlimited_coupon(&stores, "FIRST").await;
    unlimited_coupon(&stores, "SECOND").await;
    let mut first = stores.coupons.open("FIRST", false).await.expect("open");
    let mut second = stores.coupons.open("SECOND", false).await.expect("open");
    first.decide(redeem(Uuid::new_v4())).await.expect("decided");
    second
        .decide(redeem(Uuid::new_v4()))
        .await
        .expect("decided");
    // Another command appends to the second stream after it was read.
    stores
        .coupons
        .execute("SECOND", redeem(Uuid::new_v4()), &admin_metadata(), None)
        .await
        .expect("redeemed meanwhile");

    let mut transaction = stores.transaction();
    transaction.add(&stores.coupons, first);
    transaction.add(&stores.coupons, second);
    let result = transaction.commit(&admin_metadata()).await;

    assert!(matches!(result, Err(CommitError::Conflict)), "{result:?}");
    assert_eq!(
        stream(&db, "FIRST").await.len(),
        1,
        "nothing of the commit stored"
    );
    assert_eq!(stream(&db, "SECOND").await.len(), 2);
}

#[tokio::test]
async fn streams_at_their_versions_commit_together() {
    let db = TestDatabase::create().await;
    let stores = Stores::new(db.pool.clone(), 10);
    unlimited_coupon(&stores, "FIRST").await;
    unlimited_coupon(&stores, "SECOND").await;
    let mut first = stores.coupons.open("FIRST", true).await.expect("open");
    let mut second = stores.coupons.open("SECOND", true).await.expect("open");
    first.decide(redeem(Uuid::new_v4())).await.expect("decided");
    second
        .decide(redeem(Uuid::new_v4()))
        .await
        .expect("decided");
    assert_eq!((first.next_version(), second.next_version()), (2, 2));

    let mut transaction = stores.transaction();
    transaction.add(&stores.coupons, first);
    transaction.add(&stores.coupons, second);
    transaction
        .commit(&admin_metadata())
        .await
        .expect("committed")
        .write()
        .await;

    let xids: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT commit_xid::text FROM events WHERE event_type = 'CouponRedeemed'",
    )
    .fetch_all(&db.pool)
    .await
    .expect("xids");
    assert_eq!(xids.len(), 1, "one transaction");
    let Loaded {
        aggregate: kept,
        version,
    } = stores.coupons.load("FIRST").await.expect("load");
    assert_eq!((kept.redemption_count(), version), (1, 2));
}

#[tokio::test]
async fn events_follow_the_redemptions_appended_meanwhile_but_not_a_change_of_terms() {
    let db = TestDatabase::create().await;
    let stores = Stores::new(db.pool.clone(), 10);
    unlimited_coupon(&stores, "OPEN").await;
    let Loaded {
        aggregate: coupon,
        version: read_at,
    } = stores.coupons.load("OPEN").await.expect("load");
    // Another order redeems meanwhile: the decision did not depend on it.
    stores
        .coupons
        .execute("OPEN", redeem(Uuid::new_v4()), &admin_metadata(), None)
        .await
        .expect("redeemed meanwhile");

    let mine = Uuid::new_v4();
    let _ = follow(&stores, "OPEN", read_at, redemption(&coupon, mine))
        .await
        .expect("committed");
    assert_eq!(
        stream(&db, "OPEN").await,
        vec![
            (1, "CouponCreated".to_string()),
            (2, "CouponRedeemed".to_string()),
            (3, "CouponRedeemed".to_string()),
        ]
    );

    // The coupon is deactivated after it was read: the redemption is refused.
    deactivate(&stores, "OPEN").await;
    let result = follow(
        &stores,
        "OPEN",
        read_at,
        redemption(&coupon, Uuid::new_v4()),
    )
    .await;
    assert!(matches!(result, Err(CommitError::Conflict)), "{result:?}");
    assert_eq!(stream(&db, "OPEN").await.len(), 4, "nothing appended");
}

#[tokio::test]
async fn a_following_append_checks_only_what_came_after_the_last_one_of_this_process() {
    let db = TestDatabase::create().await;
    let stores = Stores::new(db.pool.clone(), 10);
    unlimited_coupon(&stores, "MARK").await;
    let Loaded {
        aggregate: coupon,
        version: read_at,
    } = stores.coupons.load("MARK").await.expect("load");
    let after = |read| {
        stores
            .coupons
            .following_after("MARK", read, REDEMPTION_EVENTS)
    };
    assert_eq!(after(read_at), read_at, "nothing appended yet");
    stores
        .coupons
        .execute("MARK", redeem(Uuid::new_v4()), &admin_metadata(), None)
        .await
        .expect("redeemed meanwhile");

    // The append found only a redemption after the version read, and ended the stream at 3.
    let _ = follow(
        &stores,
        "MARK",
        read_at,
        redemption(&coupon, Uuid::new_v4()),
    )
    .await
    .expect("committed");
    assert_eq!(after(read_at), 3);
    assert_eq!(
        after(read_at - 1),
        read_at - 1,
        "a state read before the mark"
    );
    assert_eq!(
        stores
            .coupons
            .following_after("MARK", read_at, &["CouponRedeemed"]),
        read_at,
        "another condition"
    );

    // A change of terms after the mark is still found: the next append on the old state is
    // refused, and one on the stored state checks from there.
    deactivate(&stores, "MARK").await;
    let result = follow(
        &stores,
        "MARK",
        read_at,
        redemption(&coupon, Uuid::new_v4()),
    )
    .await;
    assert!(matches!(result, Err(CommitError::Conflict)), "{result:?}");
    assert_eq!(after(4), 4);

    // Following events of a type the condition does not ignore mark nothing.
    let _ = follow(&stores, "MARK", 4, vec![CouponEvent::CouponDeactivated {}])
        .await
        .expect("committed");
    assert_eq!(stream(&db, "MARK").await.len(), 5);
    assert_eq!(after(4), 4);
}

#[tokio::test]
async fn concurrent_following_events_take_consecutive_sequences() {
    let db = TestDatabase::create().await;
    let stores = Stores::new(db.pool.clone(), 10);
    unlimited_coupon(&stores, "BUSY").await;
    let Loaded {
        aggregate: coupon,
        version: read_at,
    } = stores.coupons.load("BUSY").await.expect("load");

    let commits = join_all((0..40).map(|_| {
        let (stores, coupon) = (&stores, &coupon);
        async move { follow(stores, "BUSY", read_at, redemption(coupon, Uuid::new_v4())).await }
    }))
    .await;

    // The process never runs two statements following one stream at once (they would take
    // the same sequences): every append commits, none is told to decide again.
    for commit in &commits {
        assert!(commit.is_ok(), "{commit:?}");
    }
    let sequences: Vec<i64> = stream(&db, "BUSY")
        .await
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(sequences, (1..=41).collect::<Vec<_>>());
}

/// Payment attempt `attempt` of `order_id`: its outcome, its reference, and whether its last
/// write was the transaction that stored the event at `sequence` of coupon `code`.
async fn attempt_row(
    db: &TestDatabase,
    order_id: Uuid,
    code: &str,
    sequence: i64,
) -> (String, Option<String>, bool) {
    sqlx::query_as(&format!(
        "SELECT a.outcome, a.reference, {SAME_COMMIT}
           FROM payment_attempts a, events e
          WHERE a.order_id = $1 AND a.attempt = 1
            AND e.aggregate_type = 'coupon' AND e.aggregate_id = $2 AND e.sequence = $3"
    ))
    .bind(order_id)
    .bind(code)
    .bind(sequence)
    .fetch_one(&db.pool)
    .await
    .expect("attempt")
}

#[tokio::test]
async fn a_companion_is_stored_in_the_commit_of_the_events_and_not_without_them() {
    let db = TestDatabase::create().await;
    let stores = Stores::new(db.pool.clone(), 10);
    unlimited_coupon(&stores, "PAIRED").await;
    let order_id = Uuid::new_v4();
    let attempt = attempts::begin(&db.pool, order_id, "test", "tok_ok")
        .await
        .expect("begun");
    let paid = [attempts::outcome(
        &attempt,
        AttemptOutcome::Paid,
        Some("ref-1"),
    )];

    // Refused before any append (the caller expected another version): nothing stored.
    let refused = stores
        .coupons
        .execute_with(
            "PAIRED",
            redeem(order_id),
            &admin_metadata(),
            Some(7),
            &paid,
        )
        .await;
    assert!(
        matches!(refused, Err(ExecuteError::VersionMismatch { .. })),
        "{refused:?}"
    );
    assert_eq!(
        attempt_row(&db, order_id, "PAIRED", 1).await.0,
        "pending",
        "no outcome without its events"
    );

    // Another process appends to the stream this one keeps: the first append conflicts (its
    // statement, companion included, is rolled back) and the command runs again.
    let other = Stores::new(db.pool.clone(), 10);
    other
        .coupons
        .execute("PAIRED", redeem(Uuid::new_v4()), &admin_metadata(), None)
        .await
        .expect("redeemed by another process");
    let committed = stores
        .coupons
        .execute_with("PAIRED", redeem(order_id), &admin_metadata(), None, &paid)
        .await
        .expect("committed");
    assert_eq!(committed.version, 3);
    assert_eq!(
        attempt_row(&db, order_id, "PAIRED", 3).await,
        ("paid".to_owned(), Some("ref-1".to_owned()), true),
        "the outcome is stored by the commit of the events"
    );

    // An attempt already paid keeps its outcome.
    let declined = [attempts::outcome(&attempt, AttemptOutcome::Declined, None)];
    stores
        .coupons
        .execute_with(
            "PAIRED",
            redeem(Uuid::new_v4()),
            &admin_metadata(),
            None,
            &declined,
        )
        .await
        .expect("committed");
    assert_eq!(attempt_row(&db, order_id, "PAIRED", 3).await.0, "paid");
}
