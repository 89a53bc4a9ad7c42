//! Messages accepted from anyone, listed for admins newest first, resolved once; the read
//! model replays to what the live consumer built.

use commerce_aggregates::Role;
use commerce_projections::read_models::ContactMessageProjection;
use serde_json::Value;

use super::{actor_of, engine, item, messages_when, ContactForm};

#[tokio::test]
async fn an_anonymous_message_is_accepted_and_listed_for_admins() {
    let engine = engine(&[]).await;
    let app = &engine.app;
    let reply = app
        .anonymous()
        .send_contact_message(&ContactForm::new(" Ann@Example.com ", "Where is my order?"))
        .await;
    let id = reply.command(202, 1);

    let page = messages_when(&app.as_admin(), "", |page| item(page, &id).is_some()).await;
    let message = item(&page, &id).expect("listed");
    assert_eq!(message["email"], "ann@example.com", "{message}");
    assert_eq!(message["name"], "Ann Smith");
    assert_eq!(message["subject"], "Where is my order?");
    assert_eq!(message["message"], "Hello,\nwhere is my order?\n\nAnn");
    assert_eq!(message["status"], "open");
    assert_eq!(message["user_id"], Value::Null);
    assert_eq!(message["version"], 1);
    assert_eq!(
        actor_of(app, &id, "ContactMessageReceived").await,
        ("anonymous".to_string(), "anonymous".to_string())
    );
}

#[tokio::test]
async fn a_signed_in_senders_user_id_is_recorded() {
    let engine = engine(&[]).await;
    let app = &engine.app;
    let customer = app.as_customer();
    let form = ContactForm::new("bob@example.com", "A question");
    let id = customer.send_contact_message(&form).await.command(202, 1);

    let page = messages_when(&app.as_admin(), "", |page| item(page, &id).is_some()).await;
    let message = item(&page, &id).expect("listed");
    assert_eq!(message["user_id"], customer.user().to_string(), "{message}");
    assert_eq!(
        actor_of(app, &id, "ContactMessageReceived").await,
        (customer.user().to_string(), "customer".to_string())
    );
}

#[tokio::test]
async fn a_bad_token_is_refused_even_though_none_is_needed() {
    let engine = engine(&[]).await;
    let app = &engine.app;
    let form = ContactForm::new("bob@example.com", "A question");
    let before = super::event_count(app).await;
    let reply = app
        .with_token("not-a-token")
        .send_contact_message(&form)
        .await;
    assert_eq!(reply.status, 401, "{}", reply.text);
    assert_eq!(super::event_count(app).await, before);
}

#[tokio::test]
async fn an_admin_resolves_a_message_once() {
    let engine = engine(&[]).await;
    let app = &engine.app;
    let admin = app.as_admin();
    let form = ContactForm::new("carl@example.com", "Broken cup");
    let id = app
        .anonymous()
        .send_contact_message(&form)
        .await
        .command(202, 1);

    let resolved = admin
        .resolve_contact_message(&id, Some("  Sent a new cup. "))
        .await;
    assert_eq!(resolved.command(200, 2), id);
    admin
        .resolve_contact_message(&id, None)
        .await
        .problem(409, "already_resolved");
    assert_eq!(
        actor_of(app, &id, "ContactMessageResolved").await,
        (admin.user().to_string(), "admin".to_string())
    );

    let page = messages_when(&admin, "status=resolved", |page| item(page, &id).is_some()).await;
    let message = item(&page, &id).expect("listed");
    assert_eq!(message["status"], "resolved");
    assert_eq!(message["resolution_note"], "Sent a new cup.");
    assert_eq!(message["resolved_by"], admin.user().to_string());
    assert!(message["resolved_at"].is_string(), "{message}");
    let open = admin.contact_messages("status=open").await;
    assert!(item(&open.body, &id).is_none(), "{}", open.text);
}

#[tokio::test]
async fn resolving_refuses_unknown_messages_and_bad_notes() {
    let engine = engine(&[]).await;
    let app = &engine.app;
    let admin = app.as_admin();
    let unknown = uuid::Uuid::new_v4().to_string();
    admin
        .resolve_contact_message(&unknown, None)
        .await
        .problem(404, "not_found");
    admin
        .resolve_contact_message("not-a-uuid", None)
        .await
        .problem(404, "not_found");
    let form = ContactForm::new("dana@example.com", "Hi");
    let id = app
        .anonymous()
        .send_contact_message(&form)
        .await
        .command(202, 1);
    let long = "x".repeat(1001);
    let reply = admin.resolve_contact_message(&id, Some(&long)).await;
    reply.problem(422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["field"], "note", "{}", reply.text);
    // Still open: nothing was written.
    admin
        .resolve_contact_message(&id, None)
        .await
        .command(200, 2);
}

#[tokio::test]
async fn only_admins_read_and_resolve_messages() {
    let engine = engine(&[]).await;
    let app = &engine.app;
    let form = ContactForm::new("erin@example.com", "Hi");
    let id = app
        .anonymous()
        .send_contact_message(&form)
        .await
        .command(202, 1);
    let before = super::event_count(app).await;
    for role in [Role::Customer, Role::Prime, Role::Auditor] {
        let caller = app.as_role(role);
        caller.contact_messages("").await.problem(403, "forbidden");
        caller
            .resolve_contact_message(&id, None)
            .await
            .problem(403, "forbidden");
    }
    let anonymous = app.anonymous();
    assert_eq!(anonymous.contact_messages("").await.status, 401);
    assert_eq!(
        anonymous.resolve_contact_message(&id, None).await.status,
        401
    );
    assert_eq!(super::event_count(app).await, before, "nothing resolved");
}

#[tokio::test]
async fn the_list_is_newest_first_paged_and_filtered() {
    let engine = engine(&[]).await;
    let app = &engine.app;
    let admin = app.as_admin();
    let mut ids = Vec::new();
    for n in 0..3 {
        let form = ContactForm::new(&format!("f{n}@example.com"), &format!("Message {n}"));
        ids.push(
            app.anonymous()
                .send_contact_message(&form)
                .await
                .command(202, 1),
        );
    }
    let page = messages_when(&admin, "per_page=2", |page| page["total"] == 3).await;
    let listed: Vec<&Value> = page["items"].as_array().expect("items").iter().collect();
    assert_eq!(listed.len(), 2, "{page}");
    assert_eq!(
        (page["page"].clone(), page["per_page"].clone()),
        (1.into(), 2.into())
    );
    assert_eq!(listed[0]["id"], ids[2], "newest first: {page}");
    assert_eq!(listed[1]["id"], ids[1], "{page}");
    let second = admin.contact_messages("per_page=2&page=2").await;
    assert_eq!(second.body["items"][0]["id"], ids[0], "{}", second.text);
    for bad in ["status=closed", "per_page=0", "per_page=101", "page=0"] {
        admin
            .contact_messages(bad)
            .await
            .problem(422, "validation_failed");
    }
}

#[tokio::test]
async fn replay_rebuilds_the_messages_as_built_live() {
    let engine = engine(&[]).await;
    let app = &engine.app;
    let admin = app.as_admin();
    let mut ids = Vec::new();
    for n in 0..3 {
        let form = ContactForm::new(&format!("g{n}@example.com"), &format!("Message {n}"));
        let sender = if n == 1 {
            app.as_customer()
        } else {
            app.anonymous()
        };
        ids.push(sender.send_contact_message(&form).await.command(202, 1));
    }
    admin
        .resolve_contact_message(&ids[0], Some("done"))
        .await
        .command(200, 2);
    messages_when(&admin, "status=resolved", |page| {
        item(page, &ids[0]).is_some()
    })
    .await;
    messages_when(&admin, "", |page| page["total"] == 3).await;

    let dump = || async {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT to_jsonb(t)::text FROM contact_message_views t ORDER BY id")
                .fetch_all(&app.db.pool)
                .await
                .expect("rows");
        rows
    };
    let live = dump().await;
    assert_eq!(live.len(), 3);
    let replayed = commerce_projections::replay::replay(&app.db.pool, &ContactMessageProjection)
        .await
        .expect("replay");
    assert_eq!(replayed, 4, "three received, one resolved");
    assert_eq!(dump().await, live);
}

#[tokio::test]
async fn the_routes_are_in_the_openapi_document() {
    let doc = serde_json::to_value(commerce::http::openapi_document()).expect("serialises");
    let send = &doc["paths"]["/api/v1/contact"]["post"];
    assert_eq!(send["operationId"], "send_contact_message", "{send}");
    for status in ["202", "422", "429"] {
        assert!(send["responses"][status].is_object(), "{status}: {send}");
    }
    let body = &doc["components"]["schemas"]["ContactRequest"];
    assert_eq!(
        body["required"],
        serde_json::json!(["name", "email", "subject", "message"]),
        "{body}"
    );
    let list = &doc["paths"]["/api/v1/admin/messages"]["get"];
    assert_eq!(list["operationId"], "list_contact_messages", "{list}");
    let resolve = &doc["paths"]["/api/v1/admin/messages/{id}/resolve"]["post"];
    assert!(resolve["responses"]["409"].is_object(), "{resolve}");
    assert!(
        resolve["parameters"].to_string().contains("If-Match"),
        "{resolve}"
    );
    assert!(doc["components"]["schemas"]["ContactMessagePage"].is_object());
}
