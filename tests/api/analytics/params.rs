//! Who may read analytics, and bad parameters: 401 without a token, 403 for customers, 422
//! problems (nothing written) for malformed days, reversed or too long ranges and
//! out-of-range limits and thresholds.

use commerce_aggregates::Role;
use reqwest::StatusCode;

use crate::fixtures::event_count;
use crate::helpers::spawn_app;
use crate::queries::{assert_invalid, get, get_json};

const REPORTS: [&str; 4] = ["sales", "products", "coupons", "carts"];

#[tokio::test]
async fn analytics_are_for_admins_and_auditors_only() {
    let app = spawn_app().await;
    let (_, admin) = app.token(Role::Admin);
    let (_, auditor) = app.token(Role::Auditor);
    let (_, customer) = app.token(Role::Customer);
    let (_, prime) = app.token(Role::Prime);
    for report in REPORTS {
        let path = format!("/admin/analytics/{report}");
        for token in [&admin, &auditor] {
            let (status, body) = get_json(&app, &path, Some(token)).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
        }
        for token in [&customer, &prime] {
            let (status, body) = get_json(&app, &path, Some(token)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
            assert_eq!(body["code"], "forbidden", "{body}");
        }
        let response = get(&app, &path, None).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{path}");
        // A customer is refused before the parameters are looked at.
        let (status, _) = get_json(&app, &format!("{path}?from=nonsense"), Some(&customer)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn an_empty_store_reports_the_last_thirty_days_with_nothing_in_them() {
    let app = spawn_app().await;
    let (_, admin) = app.token(Role::Admin);
    let today = chrono::Utc::now().date_naive();
    let (_, sales) = get_json(&app, "/admin/analytics/sales", Some(&admin)).await;
    assert_eq!(sales["to"], today.to_string(), "{sales}");
    assert_eq!(
        sales["from"],
        (today - chrono::Duration::days(29)).to_string(),
        "{sales}"
    );
    assert_eq!(sales["currencies"], serde_json::json!([]));
    let (_, products) = get_json(&app, "/admin/analytics/products", Some(&admin)).await;
    assert_eq!(
        (products["by"].as_str(), products["limit"].as_u64()),
        (Some("revenue"), Some(10))
    );
    let (_, carts) = get_json(&app, "/admin/analytics/carts", Some(&admin)).await;
    assert_eq!(carts["created"], 0, "{carts}");
    assert_eq!(carts["abandoned_after_hours"], 24, "{carts}");
    assert!(carts["conversion_rate"].is_null(), "{carts}");
}

#[tokio::test]
async fn bad_parameters_are_422_problems_and_write_nothing() {
    let app = spawn_app().await;
    let (_, admin) = app.token(Role::Admin);
    let before = event_count(&app).await;
    for report in REPORTS {
        for query in [
            "from=2026-13-01",
            "to=yesterday",
            "from=2026-11-1",
            "from=2026-11-30&to=2026-11-01",
            "from=2025-01-01&to=2026-01-02",
            "from=0000-12-31&to=0001-01-01",
            "from=9999-12-31",
        ] {
            assert_invalid(
                &app,
                &format!("/admin/analytics/{report}?{query}"),
                Some(&admin),
            )
            .await;
        }
    }
    for query in ["limit=0", "limit=101", "limit=-1", "limit=ten", "by=price"] {
        assert_invalid(
            &app,
            &format!("/admin/analytics/products?{query}"),
            Some(&admin),
        )
        .await;
    }
    for query in ["abandoned_after_hours=8761", "abandoned_after_hours=-1"] {
        assert_invalid(
            &app,
            &format!("/admin/analytics/carts?{query}"),
            Some(&admin),
        )
        .await;
    }
    // The problem names the parameter.
    let (_, problem) = get_json(
        &app,
        "/admin/analytics/sales?from=2026-11-30&to=2026-11-01",
        Some(&admin),
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "from", "{problem}");
    // 366 days are accepted.
    let (status, body) = get_json(
        &app,
        "/admin/analytics/sales?from=2024-01-01&to=2024-12-31",
        Some(&admin),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(event_count(&app).await, before);
}
