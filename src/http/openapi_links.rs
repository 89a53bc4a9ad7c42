//! OpenAPI links: how the answer of one operation feeds the next one of the main flows, so a
//! client (or a stateful fuzzer such as schemathesis) can follow them without guessing —
//! create a product → read, change, publish it; open a cart → add items, set the address,
//! check out → read, pay, ship, deliver, cancel or refund the order; create a coupon → read,
//! change, deactivate it; register → log in → refresh.
//!
//! Links are added to the generated document by operation id after the handlers' own
//! descriptions are merged ([`add`]); a link naming an operation that is not in the document
//! is a programming error caught by this module's tests.

use serde_json::{json, Value};
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{OpenApi, RefOr};

/// One link: from the `status` answer of operation `from` to operation `to`.
struct FlowLink {
    from: &'static str,
    status: &'static str,
    to: &'static str,
    /// Target parameters (`path.id`, `query.min_version`, `header.If-Match`) and the runtime
    /// expression giving each.
    parameters: &'static [(&'static str, &'static str)],
    /// The target's request body, with runtime expressions in its strings.
    body: Option<Value>,
    description: &'static str,
}

/// The id of the aggregate a command answered `{id, version}` for.
const ID: (&str, &str) = ("path.id", "$response.body#/id");
/// A coupon's code, which is its id.
const CODE: (&str, &str) = ("path.code", "$response.body#/id");
/// Read-your-writes: wait for the read model to reach the command's version.
const MIN_VERSION: (&str, &str) = ("query.min_version", "$response.body#/version");
/// Optimistic concurrency: the next command expects the version just written (quoted, like
/// an entity tag: a header is text).
const IF_MATCH: (&str, &str) = ("header.If-Match", "\"{$response.body#/version}\"");

fn link(
    from: &'static str,
    status: &'static str,
    to: &'static str,
    parameters: &'static [(&'static str, &'static str)],
    description: &'static str,
) -> FlowLink {
    FlowLink {
        from,
        status,
        to,
        parameters,
        body: None,
        description,
    }
}

fn flows() -> Vec<FlowLink> {
    let mut links = Vec::new();
    // Products.
    for (status, from) in [
        ("201", "create_product"),
        ("200", "update_product"),
        ("200", "publish_product"),
        ("200", "product_add_variant"),
    ] {
        links.push(link(
            from,
            status,
            "get_product",
            &[ID, MIN_VERSION],
            "The product as changed",
        ));
    }
    for to in [
        "update_product",
        "publish_product",
        "archive_product",
        "product_add_variant",
    ] {
        links.push(link(
            "create_product",
            "201",
            to,
            &[ID, IF_MATCH],
            "Changes the product just created",
        ));
    }
    for to in ["product_change_price", "product_adjust_stock"] {
        links.push(link(
            "create_product",
            "201",
            to,
            &[ID, ("path.sku", "$request.body#/variants/0/sku"), IF_MATCH],
            "Changes the first variant of the product just created",
        ));
        links.push(link(
            "product_add_variant",
            "200",
            to,
            &[ID, ("path.sku", "$request.body#/sku"), IF_MATCH],
            "Changes the variant just added",
        ));
    }
    links.push(link(
        "publish_product",
        "200",
        "archive_product",
        &[ID, IF_MATCH],
        "Archives the product just published",
    ));
    // Carts.
    for (status, from) in [
        ("201", "create_cart"),
        ("200", "cart_add_item"),
        ("200", "cart_change_quantity"),
        ("200", "cart_set_shipping_address"),
        ("200", "cart_apply_coupon"),
    ] {
        links.push(link(
            from,
            status,
            "get_cart",
            &[ID, MIN_VERSION],
            "The cart as changed",
        ));
        for to in [
            "cart_add_item",
            "cart_set_shipping_address",
            "cart_apply_coupon",
            "check_out_cart",
        ] {
            links.push(link(
                from,
                status,
                to,
                &[ID, IF_MATCH],
                "The next step of the purchase",
            ));
        }
    }
    for to in ["cart_change_quantity", "cart_remove_item"] {
        links.push(link(
            "cart_add_item",
            "200",
            to,
            &[ID, ("path.sku", "$request.body#/sku"), IF_MATCH],
            "Changes the line just added",
        ));
    }
    links.push(link(
        "cart_apply_coupon",
        "200",
        "cart_remove_coupon",
        &[ID, IF_MATCH],
        "Takes the coupon off again",
    ));
    // Orders: a checkout answers the confirmed order's id and version.
    links.push(link(
        "check_out_cart",
        "201",
        "get_order",
        &[ID, MIN_VERSION],
        "The order confirmed",
    ));
    for to in ["get_order_history", "get_order_invoice"] {
        links.push(link(
            "check_out_cart",
            "201",
            to,
            &[ID],
            "The order confirmed",
        ));
    }
    for to in ["pay_order", "cancel_order"] {
        links.push(link(
            "check_out_cart",
            "201",
            to,
            &[ID],
            "Pays for or cancels the order confirmed",
        ));
    }
    for (from, targets) in [
        (
            "pay_order",
            &["ship_order", "cancel_order", "refund_order"][..],
        ),
        ("ship_order", &["deliver_order"][..]),
        ("deliver_order", &["refund_order"][..]),
    ] {
        links.push(link(
            from,
            "200",
            "get_order",
            &[ID, MIN_VERSION],
            "The order as changed",
        ));
        for to in targets {
            links.push(link(
                from,
                "200",
                to,
                &[ID, IF_MATCH],
                "The next step of the order",
            ));
        }
    }
    for to in ["get_order", "get_order_history", "get_order_invoice"] {
        links.push(link(
            "list_orders",
            "200",
            to,
            &[("path.id", "$response.body#/items/0/id")],
            "The first order of the page",
        ));
    }
    // Coupons: their id is the code.
    for (status, from) in [("201", "create_coupon"), ("200", "update_coupon")] {
        links.push(link(
            from,
            status,
            "get_coupon",
            &[CODE, MIN_VERSION],
            "The coupon as changed",
        ));
        for to in ["update_coupon", "deactivate_coupon"] {
            links.push(link(
                from,
                status,
                to,
                &[CODE, IF_MATCH],
                "Changes the coupon",
            ));
        }
    }
    // Accounts.
    links.push(FlowLink {
        body: Some(json!({
            "email": "$request.body#/email",
            "password": "$request.body#/password",
        })),
        ..link(
            "register",
            "201",
            "login",
            &[],
            "Logs in with the account just registered",
        )
    });
    for from in ["login", "refresh_tokens"] {
        links.push(FlowLink {
            body: Some(json!({"refresh_token": "$response.body#/refresh_token"})),
            ..link(
                from,
                "200",
                "refresh_tokens",
                &[],
                "Exchanges the refresh token just issued",
            )
        });
    }
    links
}

/// Every operation of `doc`.
fn operations(doc: &mut OpenApi) -> impl Iterator<Item = &mut Operation> {
    doc.paths.paths.values_mut().flat_map(|item| {
        [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ]
        .into_iter()
        .flatten()
    })
}

/// Adds the links of the main flows to `doc`; returns the links whose source operation or
/// response is missing (none in a complete document).
pub(super) fn add(doc: &mut OpenApi) -> Vec<String> {
    let mut missing = Vec::new();
    for flow in flows() {
        let mut built = LinkBuilder::new()
            .operation_id(flow.to)
            .description(flow.description)
            .request_body(flow.body);
        for (parameter, expression) in flow.parameters {
            built = built.parameter(*parameter, *expression);
        }
        let response = operations(doc)
            .find(|op| op.operation_id.as_deref() == Some(flow.from))
            .and_then(|op| op.responses.responses.get_mut(flow.status));
        match response {
            Some(RefOr::T(response)) => {
                response
                    .links
                    .insert(flow.to.to_string(), RefOr::T(built.build()));
            }
            _ => missing.push(format!("{} {} → {}", flow.from, flow.status, flow.to)),
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_link_joins_two_documented_operations() {
        let mut doc = super::super::openapi::document();
        let ids: Vec<String> = operations(&mut doc)
            .filter_map(|op| op.operation_id.clone())
            .collect();
        for flow in flows() {
            assert!(ids.iter().any(|id| id == flow.to), "{} is unknown", flow.to);
        }
        // The document already holds the links: adding them again finds every source.
        assert_eq!(add(&mut doc), Vec::<String>::new());
        let checkout = operations(&mut doc)
            .find(|op| op.operation_id.as_deref() == Some("check_out_cart"))
            .expect("checkout documented");
        let Some(RefOr::T(confirmed)) = checkout.responses.responses.get("201") else {
            panic!("checkout answers 201");
        };
        assert!(confirmed.links.contains_key("pay_order"));
    }
}
