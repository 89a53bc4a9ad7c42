//! `me/addresses`: adding, listing, editing and removing entries; exactly one default while the
//! book is not empty; at most 20 entries; every change an account event with its actor; bad
//! input and someone else's entries refused with nothing written.

use reqwest::Method;
use serde_json::{json, Value};

use super::{account, added, address_body, book, book_rows, id_of};
use crate::fixtures::event_count;
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_first_address_becomes_the_default_and_a_new_default_unsets_the_old_one() {
    let app = spawn_app().await;
    let (_, ada) = account(&app, "ada@example.com").await;

    let first = added(&ada, "London").await;
    added(&ada, "Paris").await;
    let mut rome = address_body("Rome");
    rome["is_default"] = json!(true);
    rome["label"] = json!("  Holidays ");
    let reply = ada.add_address(&rome).await;

    assert_eq!(first["is_default"], true);
    let entry: Value = reply.json(201);
    assert_eq!(
        reply.location(),
        format!("/api/v1/me/addresses/{}", id_of(&entry))
    );
    assert_eq!(
        (&entry["label"], &entry["is_default"]),
        (&json!("Holidays"), &json!(true))
    );
    assert_eq!(
        book(&ada).await,
        vec![
            ("London".into(), false),
            ("Paris".into(), false),
            ("Rome".into(), true)
        ]
    );
}

#[tokio::test]
async fn an_edit_changes_the_named_fields_and_can_move_the_default() {
    let app = spawn_app().await;
    let (_, ada) = account(&app, "ada@example.com").await;
    added(&ada, "London").await;
    let paris = id_of(&added(&ada, "Paris").await);

    let edited: Value = ada
        .update_address(
            &paris,
            &json!({"city": "Lyon", "label": "Work", "is_default": true}),
        )
        .await
        .json(200);

    assert_eq!(
        (&edited["city"], &edited["label"], &edited["line1"]),
        (
            &json!("Lyon"),
            &json!("Work"),
            &json!("12 St James's Square")
        )
    );
    assert_eq!(
        book(&ada).await,
        vec![("London".into(), false), ("Lyon".into(), true)]
    );
}

#[tokio::test]
async fn the_default_cannot_be_unset_by_itself_and_nothing_is_written() {
    let app = spawn_app().await;
    let (_, ada) = account(&app, "ada@example.com").await;
    let london = id_of(&added(&ada, "London").await);
    added(&ada, "Paris").await;
    let before = event_count(&app).await;

    ada.update_address(&london, &json!({"is_default": false, "city": "Bath"}))
        .await
        .problem(409, "default_address_required");

    assert_eq!(event_count(&app).await, before);
    assert_eq!(
        book(&ada).await,
        vec![("London".into(), true), ("Paris".into(), false)]
    );
}

#[tokio::test]
async fn removing_the_default_promotes_the_oldest_remaining_address_and_the_last_leaves_none() {
    let app = spawn_app().await;
    let (_, ada) = account(&app, "ada@example.com").await;
    let london = id_of(&added(&ada, "London").await);
    let paris = id_of(&added(&ada, "Paris").await);
    let rome = id_of(&added(&ada, "Rome").await);

    let reply = ada.remove_address(&london).await;

    assert_eq!(reply.status, 204, "{}", reply.text);
    assert_eq!(
        book(&ada).await,
        vec![("Paris".into(), true), ("Rome".into(), false)]
    );
    assert_eq!(ada.remove_address(&rome).await.status, 204);
    assert_eq!(ada.remove_address(&paris).await.status, 204);
    assert_eq!(book(&ada).await, vec![]);
    ada.remove_address(&paris).await.problem(404, "not_found");
}

#[tokio::test]
async fn the_book_holds_twenty_addresses_and_refuses_another() {
    let app = spawn_app().await;
    let (_, ada) = account(&app, "ada@example.com").await;
    for i in 0..20 {
        added(&ada, &format!("City {i}")).await;
    }
    let before = (event_count(&app).await, book_rows(&app).await);

    ada.add_address(&address_body("One too many"))
        .await
        .problem(409, "address_book_full");

    assert_eq!((event_count(&app).await, book_rows(&app).await), before);
    let page: Value = ada.my_addresses("per_page=5&page=4").await.json(200);
    assert_eq!(
        (
            page["total"].as_i64(),
            page["items"].as_array().map(Vec::len)
        ),
        (Some(20), Some(5))
    );
    assert_eq!(page["items"][4]["city"], "City 19");
}

#[tokio::test]
async fn every_change_is_an_account_event_with_the_actor() {
    let app = spawn_app().await;
    let (ada_id, ada) = account(&app, "ada@example.com").await;
    let london = id_of(&added(&ada, "London").await);
    let paris = id_of(&added(&ada, "Paris").await);
    ada.update_address(&paris, &json!({"is_default": true, "label": "Work"}))
        .await
        .json::<Value>(200);
    ada.remove_address(&london).await;

    let rows: Vec<(String, Value, Value)> = sqlx::query_as(
        "SELECT event_type, payload, metadata FROM events
          WHERE aggregate_type = 'account' AND aggregate_id = $1
            AND event_type LIKE '%Address%' ORDER BY sequence",
    )
    .bind(ada_id.to_string())
    .fetch_all(&app.db.pool)
    .await
    .expect("events");

    let types: Vec<&str> = rows.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "AddressAdded",
            "DefaultAddressChanged",
            "AddressAdded",
            "AddressUpdated",
            "DefaultAddressChanged",
            "AddressRemoved"
        ]
    );
    let (_, moved, metadata) = &rows[4];
    assert_eq!(
        moved["DefaultAddressChanged"],
        json!({"user_id": ada_id, "address_id": paris, "previous": london})
    );
    assert_eq!(rows[0].1["AddressAdded"]["address"]["city"], "London");
    assert_eq!(metadata["actor_id"], ada_id.to_string(), "{metadata}");
}

#[tokio::test]
async fn bad_input_is_a_4xx_problem_and_writes_nothing() {
    let app = spawn_app().await;
    let (_, ada) = account(&app, "ada@example.com").await;
    let london = id_of(&added(&ada, "London").await);
    let before = (event_count(&app).await, book_rows(&app).await);
    let with = |field: &str, value: Value| {
        let mut body = address_body("Paris");
        body[field] = value;
        body
    };
    let mut no_city = address_body("Paris");
    no_city.as_object_mut().expect("an object").remove("city");

    ada.add_address(&no_city)
        .await
        .problem(422, "validation_failed");
    ada.add_address(&with("country", json!("gb")))
        .await
        .problem(422, "invalid_address");
    ada.add_address(&with("city", json!("   ")))
        .await
        .problem(422, "invalid_address");
    ada.add_address(&with("label", json!("x".repeat(51))))
        .await
        .problem(422, "invalid_label");
    ada.add_address(&with("colour", json!("red")))
        .await
        .problem(422, "validation_failed");
    ada.add_address(&json!([address_body("Paris")]))
        .await
        .problem(422, "validation_failed");
    ada.request(Method::POST, "/me/addresses")
        .raw("{\"name\": ")
        .send()
        .await
        .problem(400, "malformed_json");
    ada.update_address(&london, &json!({}))
        .await
        .problem(422, "nothing_to_update");
    ada.update_address(&london, &json!({"postal_code": ""}))
        .await
        .problem(422, "invalid_address");
    ada.update_address(&london, &json!({"is_default": "yes"}))
        .await
        .problem(422, "validation_failed");
    ada.update_address("not-a-uuid", &json!({"city": "Bath"}))
        .await
        .problem(404, "not_found");
    ada.remove_address(&uuid::Uuid::new_v4().to_string())
        .await
        .problem(404, "not_found");
    ada.my_addresses("page=0")
        .await
        .problem(422, "validation_failed");
    app.anonymous()
        .add_address(&address_body("Paris"))
        .await
        .problem(401, "unauthorized");

    assert_eq!((event_count(&app).await, book_rows(&app).await), before);
}

#[tokio::test]
async fn another_customers_addresses_are_not_found_and_stay_as_they_are() {
    let app = spawn_app().await;
    let (_, ada) = account(&app, "ada@example.com").await;
    let (_, bob) = account(&app, "bob@example.com").await;
    let london = id_of(&added(&ada, "London").await);
    added(&bob, "Oslo").await;
    let before = event_count(&app).await;

    bob.update_address(&london, &json!({"city": "Bergen"}))
        .await
        .problem(404, "not_found");
    bob.remove_address(&london).await.problem(404, "not_found");

    assert_eq!(event_count(&app).await, before);
    assert_eq!(book(&ada).await, vec![("London".into(), true)]);
    assert_eq!(book(&bob).await, vec![("Oslo".into(), true)]);
}

#[tokio::test]
async fn a_token_without_an_account_keeps_no_book_and_an_auditor_writes_none() {
    let app = spawn_app().await;

    app.as_customer()
        .add_address(&address_body("London"))
        .await
        .problem(404, "not_found");
    app.as_role(commerce_aggregates::Role::Auditor)
        .add_address(&address_body("London"))
        .await
        .problem(403, "forbidden");

    assert_eq!(book_rows(&app).await, 0);
}

#[tokio::test]
async fn concurrent_first_addresses_leave_exactly_one_default() {
    let app = spawn_app().await;
    let (_, ada) = account(&app, "ada@example.com").await;
    let cities = ["London", "Paris", "Rome", "Oslo", "Bern"];

    let replies = futures_util::future::join_all(
        cities
            .iter()
            .map(|city| async { ada.add_address(&address_body(city)).await }),
    )
    .await;

    assert!(replies.iter().all(|r| r.status == 201), "{replies:?}");
    let entries = book(&ada).await;
    assert_eq!(entries.len(), 5);
    assert_eq!(entries.iter().filter(|(_, default)| *default).count(), 1);
}

#[tokio::test]
async fn a_retried_add_under_one_idempotency_key_adds_one_entry() {
    let app = spawn_app().await;
    let (_, ada) = account(&app, "ada@example.com").await;
    let retrying = ada.idempotency_key("add-london-1");

    let first: Value = retrying
        .add_address(&address_body("London"))
        .await
        .json(201);
    let again = retrying.add_address(&address_body("London")).await;

    assert_eq!(again.json::<Value>(201)["id"], first["id"]);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(book_rows(&app).await, 1);
}
