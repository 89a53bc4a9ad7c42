//! A mixed workload over every aggregate: catalogue changes (uploaded images among them),
//! carts, checkouts, coupons and orders through their whole lifecycle (paid, shipped,
//! delivered, cancelled, rejected), contact messages.
//!
//! Each event is written by a command of its own, the way histories were written before a
//! checkout was one commit (an order placed, then reserved, redeemed and confirmed or
//! rejected): such histories must keep loading, projecting and replaying.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use commerce::store::{CommandMetadata, Loaded, Stores};
use commerce_aggregates::cart::{CartCommand, CartOwner};
use commerce_aggregates::category::{CategoryCommand, Lineage};
use commerce_aggregates::contact::ContactCommand;
use commerce_aggregates::coupon::CouponCommand;
use commerce_aggregates::order::{
    AppliedCoupon, OrderCommand, OrderLineInput, RejectionReason, ShippingPolicy,
};
use commerce_aggregates::product::{
    ImageType, NewVariant, ProductCommand, ProductImage, ReservationLine,
};
use commerce_aggregates::store::{StoreCommand, StoreStatus};
use commerce_aggregates::tag::TagCommand;
use commerce_aggregates::{Currency, Discount, Role};
use uuid::Uuid;

use crate::fixtures::{address, usd};
use crate::helpers::admin_metadata;

fn variant(sku: &str, price: i64, stock: u32) -> NewVariant {
    NewVariant {
        sku: sku.into(),
        options: BTreeMap::from([("size".to_string(), sku.to_lowercase())]),
        price: usd(price),
        stock,
    }
}

/// An uploaded image as the upload use case records it (its bytes play no part here); the
/// alt text holds what COPY must escape.
fn image(n: u8, content_type: ImageType, alt: Option<&str>) -> ProductImage {
    ProductImage {
        image_id: Uuid::new_v4(),
        key: format!(
            "{}.{}",
            format!("{n:02x}").repeat(32),
            content_type.extension()
        ),
        content_type,
        width: 640 + u32::from(n),
        height: 480,
        byte_size: 20_000 + u64::from(n),
        alt: alt.map(String::from),
    }
}

async fn product(stores: &Stores, meta: &CommandMetadata, id: Uuid, commands: Vec<ProductCommand>) {
    for command in commands {
        stores
            .products
            .execute(&id.to_string(), command, meta, None)
            .await
            .expect("product command");
    }
}

/// Every category and tag event: a small tree (a category renamed, one moved and deleted),
/// the mug put in a category by its slug, a tag renamed and linked to the mug, another
/// deleted, and the tee's free-text tag unlinked.
async fn taxonomy(stores: &Stores, meta: &CommandMetadata, round: u32, mug: Uuid, tee: Uuid) {
    let (home, cups, spare) = (
        format!("home-{round}"),
        format!("cups-{round}"),
        format!("spare-{round}"),
    );
    let under_home = || Lineage {
        slug: home.clone(),
        exists: true,
        ancestors: vec![],
    };
    let create = |slug: &str, parent| CategoryCommand::CreateCategory {
        slug: slug.into(),
        name: slug.to_uppercase(),
        parent,
    };
    for (slug, command) in [
        (&home, create(&home, None)),
        (&cups, create(&cups, Some(under_home()))),
        (
            &cups,
            CategoryCommand::UpdateCategory {
                name: Some("Cups and mugs".into()),
                parent: None,
            },
        ),
        (&spare, create(&spare, None)),
        (
            &spare,
            CategoryCommand::UpdateCategory {
                name: None,
                parent: Some(Some(under_home())),
            },
        ),
        (
            &spare,
            CategoryCommand::DeleteCategory {
                children: 0,
                products: 0,
            },
        ),
    ] {
        stores
            .categories
            .execute(slug, command, meta, None)
            .await
            .expect("category command");
    }
    let (gift, temp) = (format!("gift-{round}"), format!("temp-{round}"));
    for (slug, command) in [
        (
            &gift,
            TagCommand::CreateTag {
                name: format!("Gift {round}"),
            },
        ),
        (
            &gift,
            TagCommand::RenameTag {
                name: format!("Gifts {round}"),
            },
        ),
        (
            &temp,
            TagCommand::CreateTag {
                name: format!("Temp {round}"),
            },
        ),
        (&temp, TagCommand::DeleteTag),
    ] {
        stores
            .tags
            .execute(slug, command, meta, None)
            .await
            .expect("tag command");
    }
    let details = ProductCommand::UpdateProductDetails {
        name: None,
        description: None,
        category: Some(cups),
        tags: None,
        images: None,
        low_stock_threshold: None,
    };
    product(
        stores,
        meta,
        mug,
        vec![details, ProductCommand::LinkTag { slug: gift }],
    )
    .await;
    let unlink = ProductCommand::UnlinkTag {
        slug: "organic".into(),
    };
    product(stores, meta, tee, vec![unlink]).await;
}

/// Runs the workload through `stores`; `round` keeps ids and codes distinct between calls.
pub async fn run(stores: &Stores, round: u32) {
    let meta = admin_metadata();
    let now = Utc::now();
    let (mug, tee, old) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let create = |id, name: &str, category: &str, variants| ProductCommand::CreateProduct {
        product_id: id,
        name: name.into(),
        description: format!("{name}, made to last"),
        category: category.into(),
        tags: vec!["gift".into(), category.into()],
        images: vec![],
        variants,
        low_stock_threshold: Some(3),
        store: "default".into(),
        currency: commerce_aggregates::Currency::parse("USD").expect("a currency"),
    };
    // A store of its own for the round: opened, renamed, closed and opened again, with a
    // product priced in its currency.
    let outlet = format!("outlet-{round}");
    let euro = Currency::parse("EUR").expect("a currency");
    for command in [
        StoreCommand::CreateStore {
            slug: outlet.clone(),
            name: "Outlet".into(),
            currency: euro,
            contact_email: "outlet@example.com".into(),
        },
        StoreCommand::UpdateStore {
            name: Some(format!("Outlet {round}")),
            contact_email: None,
            status: Some(StoreStatus::Closed),
        },
        StoreCommand::UpdateStore {
            name: None,
            contact_email: None,
            status: Some(StoreStatus::Active),
        },
    ] {
        stores
            .shops
            .execute(&outlet, command, &meta, None)
            .await
            .expect("store command");
    }
    let scarf = Uuid::new_v4();
    let scarf_variant = NewVariant {
        price: commerce_aggregates::Money::new(2500, euro),
        ..variant(&format!("SCARF-{round}"), 1, 4)
    };
    let mut in_outlet = create(scarf, "Wool scarf", "apparel", vec![scarf_variant]);
    if let ProductCommand::CreateProduct {
        store, currency, ..
    } = &mut in_outlet
    {
        (*store, *currency) = (outlet.clone(), euro);
    }
    product(stores, &meta, scarf, vec![in_outlet]).await;
    product(
        stores,
        &meta,
        mug,
        vec![
            create(
                mug,
                "Coffee mug",
                "kitchen",
                vec![variant(&format!("MUG-{round}"), 1200, 20)],
            ),
            ProductCommand::PublishProduct,
            ProductCommand::AdjustStock {
                sku: format!("MUG-{round}"),
                adjustment: 5,
                reason: "delivery".into(),
            },
        ],
    )
    .await;
    product(
        stores,
        &meta,
        tee,
        vec![
            create(
                tee,
                "T-shirt",
                "apparel",
                vec![
                    variant(&format!("TEE-S-{round}"), 1900, 6),
                    variant(&format!("TEE-M-{round}"), 2100, 4),
                ],
            ),
            ProductCommand::PublishProduct,
            ProductCommand::ChangeVariantPrice {
                sku: format!("TEE-M-{round}"),
                price: usd(2300),
            },
            ProductCommand::UpdateProductDetails {
                name: Some("Organic T-shirt".into()),
                description: None,
                category: None,
                tags: Some(vec!["organic".into()]),
                images: None,
                low_stock_threshold: None,
            },
        ],
    )
    .await;
    let front = image(
        1,
        ImageType::Jpeg,
        Some("Front,\tfolded \"flat\" \\ on a table"),
    );
    let back = image(2, ImageType::Webp, None);
    let blurry = image(3, ImageType::Png, Some("blurry"));
    let order = vec![back.image_id, front.image_id];
    product(
        stores,
        &meta,
        tee,
        vec![
            ProductCommand::AddImage { image: front },
            ProductCommand::AddImage { image: back },
            ProductCommand::AddImage {
                image: blurry.clone(),
            },
            ProductCommand::RemoveImage {
                image_id: blurry.image_id,
            },
            ProductCommand::ReorderImages { image_ids: order },
        ],
    )
    .await;
    product(
        stores,
        &meta,
        old,
        vec![
            create(
                old,
                "Old poster",
                "decor",
                vec![variant(&format!("POSTER-{round}"), 500, 2)],
            ),
            ProductCommand::PublishProduct,
            ProductCommand::ArchiveProduct,
        ],
    )
    .await;

    taxonomy(stores, &meta, round, mug, tee).await;

    let code = format!("SAVE{round}");
    stores
        .coupons
        .execute(
            &code,
            CouponCommand::CreateCoupon {
                code: code.clone(),
                discount: Discount::Percent(10),
                min_subtotal: None,
                starts_at: Some(now - Duration::days(1)),
                expires_at: Some(now + Duration::days(30)),
                eligible_roles: vec![],
                max_redemptions: Some(5),
                max_per_customer: Some(2),
            },
            &meta,
            None,
        )
        .await
        .expect("coupon");

    // Four checkouts ending paid+shipped+delivered, cancelled after payment, rejected, confirmed.
    let lines = [
        (mug, format!("MUG-{round}"), 2u32, 1200i64),
        (tee, format!("TEE-S-{round}"), 1, 1900),
    ];
    for outcome in 0..4u32 {
        let (cart, customer, order) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let (product_id, sku, quantity, price) = lines[(outcome % 2) as usize].clone();
        let with_coupon = outcome % 2 == 0;
        // The confirmed one is a guest's.
        let guest = outcome == 3;
        let owner: CartOwner = if guest {
            CartOwner::Guest {
                token_hash: format!("{:064x}", cart.as_u128()),
            }
        } else {
            customer.into()
        };
        let mut cart_commands = vec![
            CartCommand::CreateCart {
                cart_id: cart,
                owner: owner.clone(),
                currency: Currency::parse("USD").expect("valid"),
                store: "default".into(),
            },
            CartCommand::AddItem {
                shopper: owner.clone(),
                product_id,
                sku: sku.clone(),
                quantity,
                unit_price: usd(price),
                store: "default".into(),
            },
            CartCommand::SetShippingAddress {
                shopper: owner.clone(),
                address: address(),
            },
        ];
        if with_coupon {
            cart_commands.push(CartCommand::ApplyCoupon {
                shopper: owner.clone(),
                code: code.clone(),
            });
        }
        cart_commands.push(CartCommand::CheckOut {
            shopper: owner.clone(),
            order_id: order,
        });
        for command in cart_commands {
            stores
                .carts
                .execute(&cart.to_string(), command, &meta, None)
                .await
                .expect("cart command");
        }
        let oid = order.to_string();
        let pid = product_id.to_string();
        stores
            .orders
            .execute(
                &oid,
                OrderCommand::PlaceOrder {
                    order_id: order,
                    cart_id: cart,
                    customer_id: (!guest).then_some(customer),
                    guest_email: guest.then(|| "guest@example.com".to_owned()),
                    customer_role: Role::Customer,
                    lines: vec![OrderLineInput {
                        product_id,
                        sku: sku.clone(),
                        name: "item".into(),
                        quantity,
                        unit_price: usd(price),
                    }],
                    coupon: with_coupon.then(|| AppliedCoupon {
                        code: code.clone(),
                        discount: Discount::Percent(10),
                    }),
                    shipping_address: address(),
                    shipping_policy: ShippingPolicy {
                        flat_rate: usd(499),
                        free_above: Some(usd(5000)),
                    },
                    tax_rate_bps: 800,
                    at: now,
                    store: "default".into(),
                },
                &meta,
                None,
            )
            .await
            .expect("order placed");
        if outcome == 2 {
            stores
                .orders
                .execute(
                    &oid,
                    OrderCommand::RejectOrder {
                        reason: RejectionReason::OutOfStock { sku },
                    },
                    &meta,
                    None,
                )
                .await
                .expect("rejected");
            continue;
        }
        stores
            .products
            .execute(
                &pid,
                ProductCommand::ReserveStock {
                    order_id: order,
                    lines: vec![ReservationLine {
                        sku: sku.clone(),
                        quantity,
                    }],
                },
                &meta,
                None,
            )
            .await
            .expect("reserved");
        if with_coupon {
            stores
                .coupons
                .execute(
                    &code,
                    CouponCommand::RedeemCoupon {
                        order_id: order,
                        customer_id: customer,
                        customer_role: Role::Customer,
                        subtotal: usd(price * i64::from(quantity)),
                        at: now,
                    },
                    &meta,
                    None,
                )
                .await
                .expect("redeemed");
        }
        stores
            .orders
            .execute(
                &oid,
                OrderCommand::ConfirmOrder {
                    payment_due_by: now + Duration::minutes(30),
                },
                &meta,
                None,
            )
            .await
            .expect("confirmed");
        if outcome == 3 {
            continue;
        }
        let Loaded {
            aggregate: order_state,
            ..
        } = stores.orders.load(&oid).await.expect("order loads");
        let total = order_state.totals().expect("totals").total;
        stores
            .orders
            .execute(
                &oid,
                OrderCommand::RecordPayment {
                    provider: "test".into(),
                    payment_reference: format!("pay-{order}"),
                    amount: total,
                    at: now,
                },
                &meta,
                None,
            )
            .await
            .expect("paid");
        if outcome == 0 {
            stores
                .orders
                .execute(
                    &oid,
                    OrderCommand::ShipOrder {
                        carrier: "UPS".into(),
                        tracking_number: format!("1Z{round}{outcome}"),
                        at: now,
                    },
                    &meta,
                    None,
                )
                .await
                .expect("shipped");
            stores
                .products
                .execute(
                    &pid,
                    ProductCommand::CommitReservation { order_id: order },
                    &meta,
                    None,
                )
                .await
                .expect("committed");
            stores
                .orders
                .execute(&oid, OrderCommand::DeliverOrder { at: now }, &meta, None)
                .await
                .expect("delivered");
        } else {
            stores
                .orders
                .execute(
                    &oid,
                    OrderCommand::CancelOrder {
                        reason: "changed mind".into(),
                        by: Role::Customer,
                        refund_id: order,
                        at: now,
                    },
                    &meta,
                    None,
                )
                .await
                .expect("cancelled");
            // The provider returns the money of the refund the cancellation asked for.
            stores
                .orders
                .execute(
                    &oid,
                    OrderCommand::CompleteRefund {
                        refund_id: order,
                        provider_reference: format!("re-{order}"),
                        at: now,
                    },
                    &meta,
                    None,
                )
                .await
                .expect("refunded");
            stores
                .products
                .execute(
                    &pid,
                    ProductCommand::ReleaseReservation {
                        order_id: order,
                        reason: "order_cancelled".into(),
                    },
                    &meta,
                    None,
                )
                .await
                .expect("released");
        }
    }
    // An abandoned cart whose lines changed.
    let (cart, customer) = (Uuid::new_v4(), Uuid::new_v4());
    for command in [
        CartCommand::CreateCart {
            cart_id: cart,
            owner: customer.into(),
            currency: Currency::parse("USD").expect("valid"),
            store: "default".into(),
        },
        CartCommand::AddItem {
            shopper: customer.into(),
            product_id: tee,
            sku: format!("TEE-M-{round}"),
            quantity: 1,
            unit_price: usd(2300),
            store: "default".into(),
        },
        CartCommand::AddItem {
            shopper: customer.into(),
            product_id: mug,
            sku: format!("MUG-{round}"),
            quantity: 1,
            unit_price: usd(1200),
            store: "default".into(),
        },
        CartCommand::ChangeItemQuantity {
            shopper: customer.into(),
            sku: format!("MUG-{round}"),
            quantity: 3,
        },
        CartCommand::RemoveItem {
            shopper: customer.into(),
            sku: format!("TEE-M-{round}"),
        },
        CartCommand::AbandonCart {
            shopper: customer.into(),
        },
    ] {
        stores
            .carts
            .execute(&cart.to_string(), command, &meta, None)
            .await
            .expect("cart command");
    }
    contact_messages(stores, &meta, round).await;
    guest_carts_claimed(stores, &meta, round, mug).await;
}

/// A guest cart merged into a customer's cart (a line summed, the coupon kept) and one
/// adopted by a customer.
async fn guest_carts_claimed(stores: &Stores, meta: &CommandMetadata, round: u32, mug: Uuid) {
    let (guest_cart, target, adopted, customer) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    let hash = |cart: Uuid| format!("{:064x}", cart.as_u128());
    let guest = |cart: Uuid| CartOwner::Guest {
        token_hash: hash(cart),
    };
    let mug_line = |shopper: CartOwner, quantity: u32| CartCommand::AddItem {
        shopper,
        product_id: mug,
        sku: format!("MUG-{round}"),
        quantity,
        unit_price: usd(1200),
        store: "default".into(),
    };
    let create = |cart_id: Uuid, owner: CartOwner| CartCommand::CreateCart {
        cart_id,
        owner,
        currency: Currency::parse("USD").expect("valid"),
        store: "default".into(),
    };
    let run = [
        (guest_cart, create(guest_cart, guest(guest_cart))),
        (guest_cart, mug_line(guest(guest_cart), 2)),
        (target, create(target, customer.into())),
        (target, mug_line(customer.into(), 1)),
        (
            guest_cart,
            CartCommand::MergeInto {
                customer_id: customer,
                token_hash: hash(guest_cart),
                into_cart_id: target,
            },
        ),
        (
            target,
            CartCommand::MergeItems {
                shopper: customer.into(),
                from_cart_id: guest_cart,
                lines: vec![commerce_aggregates::cart::CartLine {
                    product_id: mug,
                    sku: format!("MUG-{round}"),
                    quantity: 2,
                    unit_price: usd(1200),
                }],
                coupon_code: Some(format!("WL{round}")),
            },
        ),
        (adopted, create(adopted, guest(adopted))),
        (adopted, mug_line(guest(adopted), 1)),
        (
            adopted,
            CartCommand::ClaimCart {
                customer_id: customer,
                token_hash: hash(adopted),
            },
        ),
    ];
    for (cart, command) in run {
        stores
            .carts
            .execute(&cart.to_string(), command, meta, None)
            .await
            .expect("guest cart command");
    }
}

/// Two contact messages, one from a signed-in customer, one resolved.
async fn contact_messages(stores: &Stores, meta: &CommandMetadata, round: u32) {
    for (n, user_id) in [(0, None), (1, Some(Uuid::new_v4()))] {
        let id = Uuid::new_v4();
        let receive = ContactCommand::ReceiveContactMessage {
            message_id: id,
            name: format!("Sender {round}-{n}"),
            email: format!("sender-{round}-{n}@example.com"),
            subject: "A question".into(),
            message: "Do you ship abroad?\nThanks".into(),
            user_id,
        };
        let messages = &stores.contact_messages;
        let id = id.to_string();
        messages
            .execute_new(&id, receive, meta)
            .await
            .expect("received");
        if user_id.is_some() {
            let resolve = ContactCommand::ResolveContactMessage {
                by: Uuid::new_v4(),
                note: Some("Answered".into()),
            };
            messages
                .execute(&id, resolve, meta, None)
                .await
                .expect("resolved");
        }
    }
}
