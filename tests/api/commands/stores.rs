//! Stores: admin CRUD with its refusals, the default store every engine opens, a store's
//! catalogue and carts kept to the store and priced in its currency, and the store named on
//! the invoice.

use commerce_aggregates::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::client::{AddItem, Client, NewProduct, Price, Variant};
use crate::fixtures::{active_product, address, event_count, last_payload, new_product};
use crate::helpers::spawn_app;
use crate::queries::refresh;

/// A EUR store `eu-outlet`, opened by `admin`.
async fn eu_outlet(admin: &Client<'_>) {
    let body = json!({"slug": "eu-outlet", "name": "EU Outlet", "currency": "EUR",
                      "contact_email": "Outlet@Example.EU"});
    let reply = admin.send_json(Method::POST, "/stores", &body).await;
    reply.command(201, 1);
    assert_eq!(reply.location(), "/api/v1/stores/eu-outlet");
}

/// An active product of store `store` with one variant `sku` at `price`.
async fn product_in(admin: &Client<'_>, store: &str, sku: &str, price: Price) -> String {
    let product = NewProduct {
        variants: vec![Variant::plain(sku, price, 10)],
        ..new_product(sku, 10)
    };
    let mut body = serde_json::to_value(&product).expect("a product serializes");
    body["store"] = json!(store);
    let id = admin
        .send_json(Method::POST, "/products", &body)
        .await
        .command(201, 1);
    admin.publish(&id).await.command(200, 2);
    id
}

fn eur(amount: i64) -> Price {
    Price {
        amount,
        currency: "EUR".into(),
    }
}

async fn get_json(client: &Client<'_>, path: &str) -> Value {
    client.send(Method::GET, path).await.json(200)
}

fn skus(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            item["variants"][0]["sku"]
                .as_str()
                .expect("sku")
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn every_engine_has_the_default_store_in_usd_and_carts_without_a_store_go_there() {
    let app = spawn_app().await;
    let customer = app.as_customer();
    let cart = customer.create_cart().await.command(201, 1);
    let created = last_payload(&app, &cart, "CartCreated").await;
    assert_eq!(
        (&created["store"], &created["currency"]),
        (&json!("default"), &json!("USD"))
    );
    refresh(&app).await;

    let store = get_json(&app.anonymous(), "/stores/default").await;
    assert_eq!(store["currency"], "USD");
    assert_eq!(store["status"], "active");
    let cart = get_json(&customer, &format!("/carts/{cart}")).await;
    assert_eq!(cart["store"], "default");
}

#[tokio::test]
async fn a_stores_catalogue_holds_only_its_products_and_its_carts_price_in_its_currency() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    eu_outlet(&admin).await;
    let euro = product_in(&admin, "eu-outlet", "MUG-EU", eur(900)).await;
    let dollar = active_product(&admin, "MUG-US", 10).await;
    refresh(&app).await;

    let anonymous = app.anonymous();
    let outlet = get_json(&anonymous, "/products?store=eu-outlet").await;
    assert_eq!(
        (skus(&outlet), &outlet["total"]),
        (vec!["MUG-EU".to_string()], &json!(1))
    );
    assert_eq!(outlet["items"][0]["store"], "eu-outlet");
    assert_eq!(
        outlet["items"][0]["min_price"],
        json!({"amount": 900, "currency": "EUR"})
    );
    let default = get_json(&anonymous, "/products?store=default").await;
    assert_eq!(skus(&default), vec!["MUG-US".to_string()]);
    assert_eq!(get_json(&anonymous, "/products").await["total"], 2);
    // The category tree and the tags count the store's products only when asked.
    let count_of = |nodes: &Value, slug: &str| {
        nodes
            .as_array()
            .and_then(|nodes| nodes.iter().find(|node| node["slug"] == slug))
            .map(|node| node["product_count"].clone())
    };
    for (query, products) in [("", 2), ("?store=eu-outlet", 1), ("?store=nowhere", 0)] {
        let tree = get_json(&anonymous, &format!("/categories{query}")).await;
        let expected = (products > 0).then(|| json!(products));
        assert_eq!(count_of(&tree, "kitchen"), expected, "{query}: {tree}");
        let tags = get_json(&anonymous, &format!("/tags{query}")).await;
        assert_eq!(
            count_of(&tags["items"], "coffee"),
            expected,
            "{query}: {tags}"
        );
    }

    let customer = app.as_role(Role::Customer);
    let cart = customer
        .send_json(Method::POST, "/carts", &json!({"store": "eu-outlet"}))
        .await
        .command(201, 1);
    customer
        .add_item(&cart, &AddItem::new(&euro, "MUG-EU", 2))
        .await
        .command(200, 2);
    assert_eq!(
        last_payload(&app, &cart, "ItemAdded").await["unit_price"],
        json!({"amount": 900, "currency": "EUR"})
    );
    let before = event_count(&app).await;
    customer
        .add_item(&cart, &AddItem::new(&dollar, "MUG-US", 1))
        .await
        .problem(422, "product_not_in_store");
    assert_eq!(
        event_count(&app).await,
        before,
        "a refused item writes nothing"
    );

    customer
        .set_address(&cart, &address())
        .await
        .command(200, 3);
    let order = customer.checkout(&cart).await.command(201, 2);
    assert_eq!(
        last_payload(&app, &order, "OrderPlaced").await["store"],
        "eu-outlet"
    );
    refresh(&app).await;
    let view = get_json(&customer, &format!("/orders/{order}")).await;
    assert_eq!(
        (&view["store"], &view["total"]["currency"]),
        (&json!("eu-outlet"), &json!("EUR"))
    );
    let invoice = get_json(&customer, &format!("/orders/{order}/invoice")).await;
    assert_eq!(
        invoice["seller"],
        json!({"name": "EU Outlet", "store": "eu-outlet", "contact_email": "outlet@example.eu"})
    );
    let html = customer
        .send(Method::GET, &format!("/orders/{order}/invoice?format=html"))
        .await;
    assert!(html.text.contains("EU Outlet") && html.text.contains("outlet@example.eu"));
    let listed = get_json(&admin, "/orders?store=eu-outlet").await;
    assert_eq!(listed["total"], 1);
    assert_eq!(get_json(&admin, "/orders?store=default").await["total"], 0);
}

#[tokio::test]
async fn a_cart_or_product_that_does_not_fit_its_store_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    eu_outlet(&admin).await;
    let before = event_count(&app).await;

    let mut dollars = serde_json::to_value(new_product("CUP-X", 3)).expect("json");
    dollars["store"] = json!("eu-outlet");
    admin
        .send_json(Method::POST, "/products", &dollars)
        .await
        .problem(422, "currency_mismatch");
    dollars["store"] = json!("nowhere");
    admin
        .send_json(Method::POST, "/products", &dollars)
        .await
        .problem(422, "validation_failed");

    let customer = app.as_customer();
    for (body, field) in [
        (json!({"store": "nowhere"}), "store"),
        (json!({"store": "eu-outlet", "currency": "usd"}), "currency"),
        (json!({"currency": "EUR"}), "currency"),
        (json!({"store": 7}), "store"),
    ] {
        let reply = customer.send_json(Method::POST, "/carts", &body).await;
        reply.problem(422, "validation_failed");
        assert_eq!(
            reply.body["errors"][0]["field"], field,
            "{body}: {}",
            reply.text
        );
    }
    assert_eq!(event_count(&app).await, before);
    // A currency named in any case is the store's.
    customer
        .send_json(
            Method::POST,
            "/carts",
            &json!({"store": "eu-outlet", "currency": "eur"}),
        )
        .await
        .command(201, 1);
}

#[tokio::test]
async fn admins_open_rename_and_close_stores_and_a_closed_store_takes_no_carts() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    eu_outlet(&admin).await;
    let before = event_count(&app).await;
    for (body, status, code) in [
        (
            json!({"slug": "eu-outlet", "name": "Again", "currency": "EUR",
                "contact_email": "a@example.com"}),
            409,
            "already_exists",
        ),
        (
            json!({"slug": "EU Outlet", "name": "Bad", "currency": "EUR",
                "contact_email": "a@example.com"}),
            422,
            "invalid_slug",
        ),
        (
            json!({"slug": "ok", "name": " ", "currency": "EUR",
                "contact_email": "a@example.com"}),
            422,
            "invalid_name",
        ),
        (
            json!({"slug": "ok", "name": "Ok", "currency": "EUR",
                "contact_email": "nobody"}),
            422,
            "invalid_contact_email",
        ),
        (
            json!({"slug": "ok", "name": "Ok", "currency": "EURO",
                "contact_email": "a@example.com"}),
            422,
            "validation_failed",
        ),
    ] {
        admin
            .send_json(Method::POST, "/stores", &body)
            .await
            .problem(status, code);
    }
    let store = json!({"slug": "x", "name": "X", "currency": "EUR", "contact_email": "a@b.eu"});
    app.as_customer()
        .send_json(Method::POST, "/stores", &store)
        .await
        .problem(403, "forbidden");
    app.as_customer()
        .send_json(Method::PATCH, "/stores/eu-outlet", &json!({"name": "Mine"}))
        .await
        .problem(403, "forbidden");
    admin
        .send_json(Method::PATCH, "/stores/eu-outlet", &json!({}))
        .await
        .problem(422, "nothing_to_update");
    admin
        .send_json(Method::PATCH, "/stores/nowhere", &json!({"name": "N"}))
        .await
        .problem(404, "not_found");
    assert_eq!(event_count(&app).await, before, "refusals write nothing");

    admin
        .send_json(
            Method::PATCH,
            "/stores/eu-outlet",
            &json!({"name": "Euro Outlet", "status": "closed"}),
        )
        .await
        .command(200, 3);
    app.as_customer()
        .send_json(Method::POST, "/carts", &json!({"store": "eu-outlet"}))
        .await
        .problem(409, "store_closed");
    let mut product = serde_json::to_value(new_product("CUP-Y", 3)).expect("json");
    product["store"] = json!("eu-outlet");
    admin
        .send_json(Method::POST, "/products", &product)
        .await
        .problem(409, "store_closed");
    refresh(&app).await;

    let store = get_json(&app.anonymous(), "/stores/eu-outlet").await;
    assert_eq!(
        (&store["name"], &store["status"]),
        (&json!("Euro Outlet"), &json!("closed"))
    );
    assert_eq!(store["version"], 3);
    let public = get_json(&app.anonymous(), "/stores").await;
    assert_eq!(
        (&public["total"], &public["items"][0]["slug"]),
        (&json!(1), &json!("default"))
    );
    let all = get_json(&admin, "/stores").await;
    assert_eq!(all["total"], 2);
    app.anonymous()
        .send(Method::GET, "/stores/nowhere")
        .await
        .problem(404, "not_found");

    admin
        .send_json(
            Method::PATCH,
            "/stores/eu-outlet",
            &json!({"status": "active"}),
        )
        .await
        .command(200, 4);
    app.as_customer()
        .send_json(Method::POST, "/carts", &json!({"store": "eu-outlet"}))
        .await
        .command(201, 1);
}
