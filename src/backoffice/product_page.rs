//! One product's page: its status, store, category, tags, variants with price and stock,
//! images and version, from the catalog read model; and, for admins, the forms of what can be
//! changed (handled in [`super::product_actions`]). Every form posts the version the page
//! shows, so a page gone stale meanwhile gets a 412 instead of overwriting a change unseen.

use crate::backoffice::extract::{PagePath, PageQuery};
use axum::extract::State;
use commerce_projections::read_models::catalog::{ProductView, VariantView};
use maud::{html, Markup};
use uuid::Uuid;

use super::layout::{csrf_field, instant, money, page};
use super::product_forms::variant_fields;
use super::{AfterAction, PageError, Staff};
use crate::http::queries::products::read_product;
use crate::http::queries::wait::Access;
use crate::http::AppState;

/// `GET /admin/products/{id}`.
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<Uuid>,
    PageQuery(query): PageQuery<AfterAction>,
) -> Result<Markup, PageError> {
    let product = read_product(&state, id, query.v, |_| Access::Visible).await?;
    let csrf = &staff.0.csrf_token;
    let editable = staff.acts() && product.status != "archived";
    let body = html! {
        (summary(&product))
        @if editable { (status_actions(&product, csrf)) }
        h2 { "Variants" }
        (variants(&product, editable.then_some(csrf.as_str())))
        h2 { "Images" }
        (images(&product, editable.then_some(csrf.as_str())))
        @if editable {
            (upload_form(&product, csrf))
            (details_form(&product, csrf))
            (add_variant_form(&product, csrf))
        }
    };
    Ok(page(&staff.0, "/admin/products", &product.name, body))
}

fn summary(product: &ProductView) -> Markup {
    html! {
        div class="cards" {
            div class="card" {
                h2 { "Status" }
                p class="status" id="product-status" { (product.status) }
                p { "Version " span id="product-version" { (product.version) } }
                p { "Created " (instant(&product.created_at)) ", changed " (instant(&product.updated_at)) }
            }
            div class="card" {
                h2 { "Catalogue" }
                dl {
                    dt { "Store" } dd { (product.store) }
                    dt { "Category" } dd { (product.category_ref.name) " (" (product.category_ref.slug) ")" }
                    dt { "Tags" }
                    dd {
                        @if product.tag_refs.is_empty() { "none" }
                        @for (i, tag) in product.tag_refs.iter().enumerate() {
                            @if i > 0 { ", " }
                            (tag.name)
                        }
                    }
                }
            }
            div class="card" {
                h2 { "Stock" }
                p { (product.total_available) " available over " (product.variants.len()) " variants" }
                p { "Low stock at " (product.low_stock_threshold) " or fewer" }
            }
        }
        @if !product.description.is_empty() { h2 { "Description" } p { (product.description) } }
    }
}

/// Publish (a draft) and Archive (a draft or a product on sale).
fn status_actions(product: &ProductView, csrf: &str) -> Markup {
    let base = format!("/admin/products/{}", product.id);
    html! {
        div class="actions" {
            @if product.status == "draft" {
                form method="post" action={ (base) "/publish" } {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(product.version);
                    button type="submit" { "Publish" }
                }
            }
            form method="post" action={ (base) "/archive" } {
                (csrf_field(csrf))
                input type="hidden" name="version" value=(product.version);
                button type="submit" { "Archive" }
            }
        }
    }
}

/// The variants; with `csrf`, each row carries its reprice and stock forms.
fn variants(product: &ProductView, csrf: Option<&str>) -> Markup {
    html! {
        div class="table-wrap" {
            table id="variants" {
                thead {
                    tr {
                        th { "SKU" } th { "Options" } th { "Price" } th { "On hand" } th { "Reserved" } th { "Available" }
                        @if csrf.is_some() { th { "Change price" } th { "Adjust stock" } }
                    }
                }
                tbody {
                    @for variant in &product.variants {
                        tr {
                            td { (variant.sku) }
                            td { (options(variant)) }
                            td { (money(&variant.price)) }
                            td { (variant.on_hand) }
                            td { (variant.reserved) }
                            td { (variant.available) }
                            @if let Some(csrf) = csrf {
                                td { (price_form(product, variant, csrf)) }
                                td { (stock_form(product, variant, csrf)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn options(variant: &VariantView) -> String {
    variant
        .options
        .iter()
        .map(|(name, value)| format!("{name}: {value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn price_form(product: &ProductView, variant: &VariantView, csrf: &str) -> Markup {
    let id = format!("price-{}", variant.sku);
    html! {
        form method="post" action={ "/admin/products/" (product.id) "/price" } class="inline-form" {
            (csrf_field(csrf))
            input type="hidden" name="version" value=(product.version);
            input type="hidden" name="sku" value=(variant.sku);
            input type="hidden" name="currency" value=(variant.price.currency);
            label for=(id) { "New price" }
            input id=(id) name="price" required inputmode="decimal";
            button type="submit" { "Reprice" }
        }
    }
}

fn stock_form(product: &ProductView, variant: &VariantView, csrf: &str) -> Markup {
    let units = format!("adjustment-{}", variant.sku);
    let reason = format!("reason-{}", variant.sku);
    html! {
        form method="post" action={ "/admin/products/" (product.id) "/stock" } class="inline-form" {
            (csrf_field(csrf))
            input type="hidden" name="version" value=(product.version);
            input type="hidden" name="sku" value=(variant.sku);
            label for=(units) { "Units (+/−)" }
            input id=(units) name="adjustment" type="number" required;
            label for=(reason) { "Reason" }
            input id=(reason) name="reason" required maxlength="500";
            button type="submit" { "Adjust" }
        }
    }
}

/// Uploaded images are shown (served by this engine), each with its Remove and Move earlier
/// forms when `csrf` is given; linked ones are only listed, so the back office fetches
/// nothing from elsewhere.
fn images(product: &ProductView, csrf: Option<&str>) -> Markup {
    let uploaded: Vec<Uuid> = product.image_details.iter().filter_map(|i| i.id).collect();
    html! {
        @if product.image_details.is_empty() { p { "No image." } }
        ul class="gallery" {
            @for image in &product.image_details {
                li {
                    @if let Some(image_id) = image.id {
                        img src=(image.url) alt=(image.alt.as_deref().unwrap_or(""))
                            width=[image.width] height=[image.height];
                        @if let Some(csrf) = csrf {
                            (image_forms(product, &uploaded, image_id, csrf))
                        }
                    } @else {
                        "Linked: " a href=(image.url) rel="noreferrer" { (image.url) }
                    }
                }
            }
        }
    }
}

/// Remove, and (but for the first) Move earlier: the uploaded images' order with this one
/// swapped with the one before it.
fn image_forms(product: &ProductView, uploaded: &[Uuid], image_id: Uuid, csrf: &str) -> Markup {
    let base = format!("/admin/products/{}/images", product.id);
    let earlier = uploaded
        .iter()
        .position(|id| *id == image_id)
        .filter(|at| *at > 0)
        .map(|at| {
            let mut order = uploaded.to_vec();
            order.swap(at - 1, at);
            order
                .iter()
                .map(Uuid::to_string)
                .collect::<Vec<_>>()
                .join(",")
        });
    html! {
        div class="actions" {
            form method="post" action={ (base) "/remove" } {
                (csrf_field(csrf))
                input type="hidden" name="version" value=(product.version);
                input type="hidden" name="image_id" value=(image_id);
                button type="submit" { "Remove" }
            }
            @if let Some(order) = earlier {
                form method="post" action={ (base) "/order" } {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(product.version);
                    input type="hidden" name="order" value=(order);
                    button type="submit" { "Move earlier" }
                }
            }
        }
    }
}

fn upload_form(product: &ProductView, csrf: &str) -> Markup {
    html! {
        form method="post" action={ "/admin/products/" (product.id) "/images" } enctype="multipart/form-data" {
            (csrf_field(csrf))
            input type="hidden" name="version" value=(product.version);
            label for="file" { "Upload an image (JPEG, PNG or WebP)" }
            input id="file" name="file" type="file" required accept="image/jpeg,image/png,image/webp";
            label for="alt" { "Text alternative" }
            input id="alt" name="alt" maxlength="500";
            p { button type="submit" { "Upload" } }
        }
    }
}

fn details_form(product: &ProductView, csrf: &str) -> Markup {
    let linked: Vec<&str> = product
        .image_details
        .iter()
        .filter(|image| image.id.is_none())
        .map(|image| image.url.as_str())
        .collect();
    html! {
        h2 { "Edit details" }
        form method="post" action={ "/admin/products/" (product.id) "/details" } {
            (csrf_field(csrf))
            input type="hidden" name="version" value=(product.version);
            label for="name" { "Name" }
            input id="name" name="name" required maxlength="200" value=(product.name);
            label for="description" { "Description" }
            textarea id="description" name="description" rows="4" maxlength="5000" { (product.description) }
            label for="category" { "Category" }
            input id="category" name="category" required maxlength="100" value=(product.category);
            label for="tags" { "Tags (comma-separated)" }
            input id="tags" name="tags" maxlength="2000" value=(product.tags.join(", "));
            label for="images" { "Linked image URLs (one a line)" }
            textarea id="images" name="images" rows="2" { (linked.join("\n")) }
            label for="low_stock_threshold" { "Low-stock threshold" }
            input id="low_stock_threshold" name="low_stock_threshold" type="number" min="0" value=(product.low_stock_threshold);
            p { button type="submit" { "Save details" } }
        }
    }
}

fn add_variant_form(product: &ProductView, csrf: &str) -> Markup {
    let currency = product.variants.first().map(|v| v.price.currency.as_str());
    html! {
        h2 { "Add a variant" }
        form method="post" action={ "/admin/products/" (product.id) "/variants" } {
            (csrf_field(csrf))
            input type="hidden" name="version" value=(product.version);
            (variant_fields(currency))
            p { button type="submit" { "Add variant" } }
        }
    }
}
