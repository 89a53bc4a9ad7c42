//! SQL metacharacters, NUL bytes and unusual unicode in every query parameter and path
//! parameter of every read in `/openapi.json`: never a 5xx, errors are problem documents,
//! nothing is written and every table is intact. Values holding metacharacters match only
//! themselves: `%`, `_` and `\` are no wildcards in filters or the user search, and strings full
//! of SQL come back from the store byte for byte.

use reqwest::Method;
use serde_json::json;

use super::{reply, rows, StoreMark};
use crate::accounts::logged_in;
use crate::client::{NewCoupon, Reply};
use crate::fixtures::{active_product, open_cart, openapi_document};
use crate::helpers::{spawn_app, TestApp};

/// What an attacker types into a search box, a filter or a URL.
const HOSTILE: &[&str] = &[
    "'",
    "\";--",
    "%",
    "_",
    "\\",
    "' OR 1=1 --",
    "' OR '1'='1",
    "'; DROP TABLE events; --",
    "\") OR (\"1\"=\"1",
    "1; SELECT pg_sleep(10)",
    "$1",
    "%00",
    "\u{0}",
    "a\u{0}b",
    "☕' OR 'x'='x",
    "\u{202e}lanigiro",
    "𝔲𝔫𝔦𝔠𝔬𝔡𝔢",
    "!:*&|<->()",
    "[a-z]*.*",
];

/// Percent-encodes everything but unreserved characters, for a path segment.
fn segment(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Asserts a well-formed answer below 500: a problem document for errors, JSON (or the HTML
/// invoice) for successes.
#[track_caller]
fn assert_harmless(reply: &Reply, what: &str) {
    let status = reply.status.as_u16();
    assert!(status < 500, "{what}: {status} {}", reply.text);
    let content_type = reply
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if status >= 400 {
        assert_eq!(content_type, "application/problem+json", "{what}");
        assert_eq!(reply.body["status"], status, "{what}: {}", reply.text);
    } else if !content_type.starts_with("text/html") {
        assert!(!reply.body.is_null(), "{what}: {}", reply.text);
    }
}

/// Every `GET` of the document: (path template, query parameter names).
async fn reads(app: &TestApp) -> Vec<(String, Vec<String>)> {
    let doc = openapi_document(app).await;
    let mut reads = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let Some(get) = item.get("get") else { continue };
        let query = get["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .filter_map(|p| p["name"].as_str().map(str::to_string))
            .collect();
        reads.push((path.clone(), query));
    }
    reads
}

#[tokio::test]
async fn hostile_values_in_every_query_and_path_parameter_are_harmless() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let customer = app.as_customer();
    let product = active_product(&admin, "MUG-1", 5).await;
    let cart = open_cart(&customer).await;
    admin
        .create_coupon(&NewCoupon::percent("WELCOME", 5))
        .await
        .command(201, 1);
    crate::queries::refresh(&app).await;
    let mark = StoreMark::of(&app).await;
    let tables = [
        "events",
        "catalog_products",
        "catalog_variants",
        "cart_views",
        "coupon_views",
        "users",
    ];
    let mut counts = Vec::new();
    for table in tables {
        counts.push(rows(&app, table).await);
    }

    let mut requests = 0;
    for (template, query) in reads(&app).await {
        // Endless by design (server-sent events); its parameters are those of `events`.
        if template.ends_with("/events/stream") {
            continue;
        }
        let path = template
            .trim_start_matches("/api/v1")
            .replace("{id}", &product)
            .replace("{code}", "WELCOME");
        let path = if template.contains("/carts/") {
            path.replace(&product, &cart)
        } else {
            path
        };
        let caller = if path == "/coupons/mine" {
            &customer
        } else {
            &admin
        };
        let base = if template.starts_with("/api/v1") {
            app.api(&path)
        } else {
            app.url(&path)
        };
        for value in HOSTILE {
            for name in &query {
                let response = app
                    .client
                    .get(&base)
                    .bearer_auth(caller.token())
                    .query(&[(name.as_str(), *value)])
                    .send()
                    .await
                    .expect("request");
                let reply = reply(response).await;
                assert_harmless(&reply, &format!("{template}?{name}={value:?}"));
                requests += 1;
            }
            for param in ["{id}", "{code}"] {
                if !template.contains(param) {
                    continue;
                }
                let path = template
                    .trim_start_matches("/api/v1")
                    .replace(param, &segment(value));
                let reply = caller.request(Method::GET, &path).send().await;
                assert_harmless(&reply, &format!("{template} with {value:?}"));
                assert_eq!(reply.status, 404, "{path}: {}", reply.text);
                requests += 1;
            }
        }
    }
    // Path segments of commands too: unknown SKUs, coupons and users, whatever they hold.
    for value in HOSTILE {
        let seg = segment(value);
        for (method, path, caller, body) in [
            (
                Method::PUT,
                format!("/products/{product}/variants/{seg}/price"),
                &admin,
                json!({"price": {"amount": 100, "currency": "USD"}}),
            ),
            (
                Method::PUT,
                format!("/carts/{cart}/items/{seg}"),
                &customer,
                json!({"quantity": 1}),
            ),
            (
                Method::POST,
                format!("/coupons/{seg}/deactivate"),
                &admin,
                json!({}),
            ),
            (
                Method::PUT,
                format!("/admin/users/{seg}/role"),
                &admin,
                json!({"role": "admin"}),
            ),
        ] {
            let reply = caller.request(method, &path).json(&body).send().await;
            assert_harmless(&reply, &path);
            assert!(
                matches!(reply.status.as_u16(), 404 | 422),
                "{path}: {}",
                reply.text
            );
            requests += 1;
        }
    }
    eprintln!("{requests} hostile requests");
    assert!(requests > 500, "{requests}");
    mark.assert_unchanged(&StoreMark::of(&app).await, "hostile reads");
    for (table, before) in tables.iter().zip(counts) {
        assert_eq!(rows(&app, table).await, before, "{table} intact");
    }
    app.stop().await;
}

/// The ids of the products a catalogue search answers.
async fn found(app: &TestApp, name: &str, value: &str) -> Vec<String> {
    let response = app
        .client
        .get(app.api("/products"))
        .query(&[(name, value), ("per_page", "100")])
        .send()
        .await
        .expect("request");
    let reply = reply(response).await;
    assert_eq!(reply.status, 200, "{name}={value:?}: {}", reply.text);
    let mut ids: Vec<String> = reply.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["id"].as_str().expect("id").to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn metacharacters_match_only_themselves_and_come_back_verbatim() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let sqlish = json!({
        "name": "O'Brien's \"mug\"; DROP TABLE events; --",
        "description": "100% \\ porcelain_ish ' OR 1=1 --",
        "category": "it's; DROP TABLE events; --",
        "tags": ["50%", "a_b", "back\\slash", "☕"],
        "images": [],
        "variants": [{"sku": "SQL-1", "options": {"size": "L'arge"},
                      "price": {"amount": 500, "currency": "USD"}, "stock": 3}]
    });
    let plain = json!({
        "name": "Plain cup", "category": "kitchen", "tags": ["5000", "axb", "backxslash"],
        "images": [], "variants": [{"sku": "PLAIN-1", "price": {"amount": 500, "currency": "USD"}, "stock": 3}]
    });
    let mut ids = Vec::new();
    for body in [&sqlish, &plain] {
        let id = admin
            .send_json(Method::POST, "/products", body)
            .await
            .command(201, 1);
        admin.publish(&id).await.command(200, 2);
        ids.push(id);
    }
    let (sql, cup) = (ids[0].clone(), ids[1].clone());
    crate::queries::refresh(&app).await;

    // Stored and served byte for byte.
    let product = app
        .anonymous()
        .request(Method::GET, &format!("/products/{sql}"))
        .send()
        .await;
    for field in ["name", "description", "category", "tags"] {
        assert_eq!(product.body[field], sqlish[field], "{field}");
    }
    assert_eq!(
        product.body["variants"][0]["options"],
        json!({"size": "L'arge"})
    );

    for (name, value, expected) in [
        ("category", "it's; DROP TABLE events; --", vec![sql.clone()]),
        ("category", "kitchen", vec![cup.clone()]),
        ("category", "kitch_n", vec![]),
        ("category", "%", vec![]),
        ("category", "it's%", vec![]),
        ("tag", "50%", vec![sql.clone()]),
        ("tag", "5%", vec![]),
        ("tag", "a_b", vec![sql.clone()]),
        ("tag", "back\\slash", vec![sql.clone()]),
        ("tag", "☕", vec![sql.clone()]),
        ("q", "O'Brien", vec![sql.clone()]),
        // Words, not syntax: found where the description says them, nowhere else.
        ("q", "' OR 1=1 --", vec![sql.clone()]),
        ("q", "'; DROP TABLE events; --", vec![sql.clone()]),
    ] {
        assert_eq!(found(&app, name, value).await, expected, "{name}={value:?}");
    }

    // The user search treats `%`, `_` and `\` as characters.
    for (email, name) in [
        ("fifty@example.com", "Fifty % Off"),
        ("fiftyfifty@example.com", "Fifty Fifty"),
        ("under_score@example.com", "Under"),
        ("underxscore@example.com", "Underx"),
        ("robert@example.com", "Robert'); DROP TABLE users;--"),
        ("slash@example.com", "Back\\slash"),
    ] {
        let response = app
            .client
            .post(app.api("/auth/register"))
            .json(&json!({"email": email, "password": crate::accounts::PASSWORD, "name": name}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 201, "{email}");
    }
    let robert = logged_in(&app, "robert@example.com").await;
    let me = app
        .with_token(&robert.access)
        .request(Method::GET, "/me")
        .send()
        .await;
    assert_eq!(me.body["name"], "Robert'); DROP TABLE users;--");
    for (q, expected) in [
        ("%", vec!["fifty@example.com"]),
        ("_", vec!["under_score@example.com"]),
        ("\\", vec!["slash@example.com"]),
        ("' OR 1=1 --", vec![]),
        ("'); DROP", vec!["robert@example.com"]),
    ] {
        let response = app
            .client
            .get(app.api("/admin/users"))
            .bearer_auth(admin.token())
            .query(&[("q", q)])
            .send()
            .await
            .expect("request");
        let reply = reply(response).await;
        assert_eq!(reply.status, 200, "q={q:?}: {}", reply.text);
        let emails: Vec<&str> = reply.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|u| u["email"].as_str())
            .collect();
        assert_eq!(emails, expected, "q={q:?}");
    }
    assert_eq!(rows(&app, "users").await, 6);
    app.stop().await;
}
