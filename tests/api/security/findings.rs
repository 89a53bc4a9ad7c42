//! What the stateful schemathesis run (`scripts/schemathesis`) found, each pinned here so it
//! stays fixed without the fuzzer.

use std::time::Duration;

use commerce_aggregates::Role;
use reqwest::Method;

use crate::fixtures::open_cart;
use crate::helpers::spawn_app_with;

/// A cart read right after it was created, with a `min_version` no command has produced: the
/// row is missing at the first read (the projection has not applied the cart yet) and appears
/// while the query waits. That is a 422 `min_version_ahead` as soon as the row shows, as when
/// the row was there from the start — it was a 503 `read_model_behind` after the whole wait.
#[tokio::test]
async fn a_min_version_ahead_of_a_row_that_appears_while_waiting_is_422() {
    let app = spawn_app_with(&[("READ_WAIT_TIMEOUT_MS", "30000")]).await;
    let (_, customer) = app.token(Role::Customer);
    // No projection workers run in this app: the cart's row is missing until the replay below.
    let cart = open_cart(&app.with_token(&customer)).await;
    let path = format!("/carts/{cart}?min_version=3357");
    let read = app.with_token(&customer).request(Method::GET, &path).send();
    // Let the query find no row and start waiting, then project the cart.
    let project = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        crate::queries::refresh_one(&app.db.pool, "carts").await;
    };
    let (reply, ()) = tokio::join!(read, project);
    reply.problem(422, "min_version_ahead");
    assert_eq!(
        reply.body["errors"][0]["field"], "min_version",
        "{}",
        reply.text
    );
    app.stop().await;
}
