//! Aggregates kept in memory between commands never let a stale state decide: a store with a
//! cache and another store on the same database (another engine process) take turns on one
//! cart, and every command is judged on the cart's real state.

use std::time::Duration;

use commerce::store::{Actor, CommandMetadata, Committed, ExecuteError, Loaded, Stores};
use commerce_aggregates::cart::{Cart, CartCommand, CartError};
use commerce_aggregates::{Currency, Money, Role};
use uuid::Uuid;

use crate::helpers::TestDatabase;

fn add(customer_id: Uuid, sku: &str) -> CartCommand {
    CartCommand::AddItem {
        shopper: customer_id.into(),
        product_id: Uuid::new_v4(),
        sku: sku.into(),
        quantity: 1,
        unit_price: Money::new(250, Currency::parse("USD").expect("valid")),
        store: "default".into(),
    }
}

async fn run(
    stores: &Stores,
    id: &str,
    meta: &CommandMetadata,
    command: CartCommand,
    expected: Option<usize>,
) -> Result<Committed<Cart>, ExecuteError<CartError>> {
    stores.carts.execute(id, command, meta, expected).await
}

/// A database shared by a store with a cache (this process) and one without (another
/// process), and a cart created through the first.
struct Shared {
    db: TestDatabase,
    here: Stores,
    elsewhere: Stores,
    customer: Uuid,
    meta: CommandMetadata,
    id: String,
}

async fn cart_in_two_processes(request_id: &str) -> Shared {
    let db = TestDatabase::create().await;
    let here = Stores::with_cache(db.pool.clone(), 20, 100);
    let elsewhere = Stores::new(db.pool.clone(), 20);
    let customer = Uuid::new_v4();
    let meta = CommandMetadata::new(Actor::user(customer, Role::Customer), request_id);
    let cart = Uuid::new_v4();
    let id = cart.to_string();
    let created = CartCommand::CreateCart {
        cart_id: cart,
        owner: customer.into(),
        currency: Currency::parse("USD").expect("valid"),
        store: "default".into(),
    };
    run(&here, &id, &meta, created, None)
        .await
        .expect("created");
    Shared {
        db,
        here,
        elsewhere,
        customer,
        meta,
        id,
    }
}

#[tokio::test]
async fn a_stale_cached_aggregate_never_decides_a_command() {
    let db = TestDatabase::create().await;
    let here = Stores::with_cache(db.pool.clone(), 20, 100);
    let elsewhere = Stores::new(db.pool.clone(), 20);
    let customer = Uuid::new_v4();
    let meta = CommandMetadata::new(Actor::user(customer, Role::Customer), "req-cache");
    let cart = Uuid::new_v4();
    let id = cart.to_string();
    let usd = Currency::parse("USD").expect("valid");

    let created = CartCommand::CreateCart {
        cart_id: cart,
        owner: customer.into(),
        currency: usd,
        store: "default".into(),
    };
    assert_eq!(
        run(&here, &id, &meta, created, None)
            .await
            .expect("created")
            .version,
        1
    );
    assert_eq!(
        run(&here, &id, &meta, add(customer, "A"), None)
            .await
            .expect("A")
            .version,
        2
    );
    // Elsewhere adds B: the cached cart (version 2) does not have it.
    assert_eq!(
        run(&elsewhere, &id, &meta, add(customer, "B"), None)
            .await
            .expect("B")
            .version,
        3
    );

    // Refused on the cached state (no line B), accepted on the real one.
    let remove_b = CartCommand::RemoveItem {
        shopper: customer.into(),
        sku: "B".into(),
    };
    assert_eq!(
        run(&here, &id, &meta, remove_b, None)
            .await
            .expect("B removed")
            .version,
        4
    );

    // `If-Match` with the real version, not the cached one.
    let change_a = CartCommand::ChangeItemQuantity {
        shopper: customer.into(),
        sku: "A".into(),
        quantity: 3,
    };
    assert_eq!(
        run(&elsewhere, &id, &meta, change_a, None)
            .await
            .expect("A×3")
            .version,
        5
    );
    let stale = run(&here, &id, &meta, add(customer, "C"), Some(4)).await;
    assert!(
        matches!(
            stale,
            Err(ExecuteError::VersionMismatch {
                expected: 4,
                actual: 5
            })
        ),
        "{stale:?}"
    );
    assert_eq!(
        run(&here, &id, &meta, add(customer, "C"), Some(5))
            .await
            .expect("C")
            .version,
        6
    );

    // A command appending on a stale cache loses the sequence race and runs again.
    assert_eq!(
        run(&elsewhere, &id, &meta, add(customer, "D"), None)
            .await
            .expect("D")
            .version,
        7
    );
    assert_eq!(
        run(&here, &id, &meta, add(customer, "E"), None)
            .await
            .expect("E")
            .version,
        8
    );

    // A refusal that holds on the real state too is still a refusal.
    let remove_z = CartCommand::RemoveItem {
        shopper: customer.into(),
        sku: "Z".into(),
    };
    let refused = run(&here, &id, &meta, remove_z, None).await;
    assert!(
        matches!(
            refused,
            Err(ExecuteError::Domain(CartError::ItemNotInCart { .. }))
        ),
        "{refused:?}"
    );

    // The stored history is contiguous and the cart is what all of it says.
    let Loaded {
        aggregate: stored,
        version,
    } = elsewhere.carts.load(&id).await.expect("loads");
    assert_eq!(version, 8);
    let sequences: Vec<i64> =
        sqlx::query_scalar("SELECT sequence FROM events WHERE aggregate_id = $1 ORDER BY sequence")
            .bind(&id)
            .fetch_all(&db.pool)
            .await
            .expect("events");
    assert_eq!(sequences, (1..=8).collect::<Vec<i64>>());
    let lines = |cart: &Cart| {
        let mut lines: Vec<(String, u32)> = cart
            .lines()
            .iter()
            .map(|line| (line.sku.clone(), line.quantity))
            .collect();
        lines.sort();
        lines
    };
    let expected: Vec<(String, u32)> = [("A", 3), ("C", 1), ("D", 1), ("E", 1)]
        .iter()
        .map(|(sku, quantity)| (sku.to_string(), *quantity))
        .collect();
    assert_eq!(lines(&stored), expected);
}

#[tokio::test]
async fn a_cached_read_shows_what_another_process_appended() {
    let Shared {
        db: _db,
        here,
        elsewhere,
        customer,
        meta,
        id,
    } = cart_in_two_processes("req-read").await;
    run(&here, &id, &meta, add(customer, "A"), None)
        .await
        .expect("A");
    let Loaded {
        aggregate: cart_here,
        version,
    } = here.carts.load(&id).await.expect("cached read");
    assert_eq!((cart_here.lines().len(), version), (1, 2));

    // Two commands elsewhere: the cached cart (version 2) has neither.
    run(&elsewhere, &id, &meta, add(customer, "B"), None)
        .await
        .expect("B");
    let change_a = CartCommand::ChangeItemQuantity {
        shopper: customer.into(),
        sku: "A".into(),
        quantity: 4,
    };
    run(&elsewhere, &id, &meta, change_a, None)
        .await
        .expect("A×4");

    let Loaded {
        aggregate: cart_here,
        version,
    } = here.carts.load(&id).await.expect("read again");
    let Loaded {
        aggregate: cart_elsewhere,
        version: version_elsewhere,
    } = elsewhere.carts.load(&id).await.expect("full load");
    assert_eq!(version, 4, "the read catches up with the stored events");
    assert_eq!(version, version_elsewhere);
    assert_eq!(cart_here, cart_elsewhere, "the same state as a full load");
    let quantities: Vec<(String, u32)> = cart_here
        .lines()
        .iter()
        .map(|line| (line.sku.clone(), line.quantity))
        .collect();
    assert!(quantities.contains(&("A".to_string(), 4)), "{quantities:?}");
    assert!(quantities.contains(&("B".to_string(), 1)), "{quantities:?}");

    // The caught-up state was kept: the next command here starts from it and appends at 5.
    let committed = run(&here, &id, &meta, add(customer, "C"), None)
        .await
        .expect("C");
    assert_eq!(committed.version, 5);
}

#[tokio::test]
async fn a_recent_read_answers_from_memory_within_its_age_only() {
    let Shared {
        db: _db,
        here,
        elsewhere,
        customer,
        meta,
        id,
    } = cart_in_two_processes("req-recent").await;
    let long = Duration::from_secs(600);
    let copy = |cart: &Cart, version: usize| (cart.clone(), version);

    // This process's own commit is seen at once, whatever the age.
    run(&here, &id, &meta, add(customer, "A"), None)
        .await
        .expect("A");
    let (_, version) = here.carts.read_recent(&id, long, copy).await.expect("read");
    assert_eq!(version, 2);

    // Another process's commit: not asked for within the age, found once it has passed.
    run(&elsewhere, &id, &meta, add(customer, "B"), None)
        .await
        .expect("B");
    let (cart_here, version) = here.carts.read_recent(&id, long, copy).await.expect("read");
    assert_eq!(
        (cart_here.lines().len(), version),
        (1, 2),
        "kept, not asked"
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (cart_here, version) = here
        .carts
        .read_recent(&id, Duration::from_millis(10), copy)
        .await
        .expect("read");
    assert_eq!(
        (cart_here.lines().len(), version),
        (2, 3),
        "older: caught up"
    );
    // The catch-up counts as a check: within the age again, without a query.
    run(&elsewhere, &id, &meta, add(customer, "C"), None)
        .await
        .expect("C");
    let (_, version) = here.carts.read_recent(&id, long, copy).await.expect("read");
    assert_eq!(version, 3);
    let Loaded { version, .. } = here.carts.load(&id).await.expect("read");
    assert_eq!(version, 4, "a plain read always asks");
}

#[tokio::test]
async fn a_new_aggregate_starts_empty_and_a_taken_id_is_found_out() {
    let Shared {
        db,
        here,
        elsewhere,
        customer,
        meta,
        id,
    } = cart_in_two_processes("req-new").await;
    let usd = Currency::parse("USD").expect("valid");
    let create = |cart_id: Uuid| CartCommand::CreateCart {
        cart_id,
        owner: customer.into(),
        currency: usd,
        store: "default".into(),
    };

    // A fresh id: created at version 1, kept for the next command.
    let fresh = Uuid::new_v4();
    let committed = here
        .carts
        .execute_new(&fresh.to_string(), create(fresh), &meta)
        .await
        .expect("created");
    assert_eq!(committed.version, 1);
    let added = run(&here, &fresh.to_string(), &meta, add(customer, "A"), None)
        .await
        .expect("A");
    assert_eq!(added.version, 2);

    // An id that exists after all (the other process has nothing kept): the empty state is
    // not trusted, the cart's real state decides.
    let cart: Uuid = id.parse().expect("uuid");
    let again = elsewhere.carts.execute_new(&id, create(cart), &meta).await;
    assert!(
        matches!(again, Err(ExecuteError::Domain(_))),
        "a second creation is refused: {again:?}"
    );
    let added = elsewhere
        .carts
        .execute_new(&id, add(customer, "B"), &meta)
        .await
        .expect("added to the existing cart");
    assert_eq!(added.version, 2, "appended after the stored event");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_id = $1")
        .bind(&id)
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(stored, 2, "nothing else appended");
}

#[tokio::test]
async fn an_unchecked_read_is_found_out_by_a_commit_expecting_its_version() {
    let Shared {
        db: _db,
        here,
        elsewhere,
        customer,
        meta,
        id,
    } = cart_in_two_processes("req-unchecked").await;
    run(&elsewhere, &id, &meta, add(customer, "B"), None)
        .await
        .expect("B");

    // The kept cart, as it is: without B.
    let Loaded {
        aggregate: cart,
        version,
    } = here.carts.load_unchecked(&id).await.expect("read");
    assert_eq!((cart.lines().len(), version), (0, 1));
    let stale = run(&here, &id, &meta, add(customer, "A"), Some(version)).await;
    assert!(
        matches!(
            stale,
            Err(ExecuteError::VersionMismatch {
                expected: 1,
                actual: 2
            })
        ),
        "{stale:?}"
    );
    // Nothing kept: an unchecked read of an unknown cart is a full load.
    let Loaded {
        aggregate: cart,
        version,
    } = elsewhere.carts.load_unchecked(&id).await.expect("read");
    assert_eq!((cart.lines().len(), version), (1, 2));
}
