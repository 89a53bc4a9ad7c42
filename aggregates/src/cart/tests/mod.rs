//! Given/when/then tests of the cart aggregate, with the fixtures they share.

mod access;
mod checkout;
mod coupon_and_address;
mod guests;
mod items;
mod pricing;
mod state;

use cqrs_es::test::TestFramework;
use cqrs_es::Aggregate;
use uuid::Uuid;

use crate::cart::{Cart, CartCommand, CartEvent, CartOwner};
use crate::common::Address;
use crate::money::{Currency, Money};

fn framework() -> TestFramework<Cart> {
    TestFramework::with(())
}

/// The store every test cart shops in.
const STORE: &str = "outlet";

fn cart_id() -> Uuid {
    Uuid::from_u128(0xCA27)
}

fn owner() -> Uuid {
    Uuid::from_u128(0xA11CE)
}

fn stranger() -> Uuid {
    Uuid::from_u128(0xB0B)
}

fn product() -> Uuid {
    Uuid::from_u128(0x9_0001)
}

fn other_product() -> Uuid {
    Uuid::from_u128(0x9_0002)
}

fn order_id() -> Uuid {
    Uuid::from_u128(0x0_4DE2)
}

fn usd_currency() -> Currency {
    Currency::parse("USD").expect("valid currency")
}

fn usd(minor: i64) -> Money {
    Money::new(minor, usd_currency())
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::parse("EUR").expect("valid currency"))
}

fn address() -> Address {
    Address {
        name: "Ada Lovelace".into(),
        line1: "12 St James's Square".into(),
        line2: None,
        city: "London".into(),
        postal_code: "SW1Y 4JH".into(),
        country: "GB".into(),
    }
}

fn created() -> CartEvent {
    CartEvent::CartCreated {
        cart_id: cart_id(),
        owner: owner().into(),
        currency: usd_currency(),
        store: STORE.into(),
    }
}

fn item_added(sku: &str, quantity: u32, price: i64) -> CartEvent {
    CartEvent::ItemAdded {
        product_id: product(),
        sku: sku.into(),
        quantity,
        unit_price: usd(price),
    }
}

fn address_set() -> CartEvent {
    CartEvent::ShippingAddressSet { address: address() }
}

fn add(sku: &str, quantity: u32, price: Money) -> CartCommand {
    CartCommand::AddItem {
        shopper: owner().into(),
        product_id: product(),
        sku: sku.into(),
        quantity,
        unit_price: price,
        store: STORE.into(),
    }
}

/// A cart with one line and an address: ready to check out.
fn ready_cart() -> Vec<CartEvent> {
    vec![created(), item_added("TEE-M", 2, 1500), address_set()]
}

/// Rebuilds a cart from events, as the event store would.
fn replay(events: Vec<CartEvent>) -> Cart {
    let mut cart = Cart::default();
    for event in events {
        cart.apply(event);
    }
    cart
}

/// One command of every kind except `CreateCart`, all issued by `caller`.
fn every_command(caller: impl Into<CartOwner>) -> Vec<CartCommand> {
    let caller: CartOwner = caller.into();
    vec![
        CartCommand::AddItem {
            shopper: caller.clone(),
            product_id: product(),
            sku: "MUG".into(),
            quantity: 1,
            unit_price: usd(800),
            store: STORE.into(),
        },
        CartCommand::ChangeItemQuantity {
            shopper: caller.clone(),
            sku: "TEE-M".into(),
            quantity: 3,
        },
        CartCommand::RemoveItem {
            shopper: caller.clone(),
            sku: "TEE-M".into(),
        },
        CartCommand::ApplyCoupon {
            shopper: caller.clone(),
            code: "save10".into(),
        },
        CartCommand::RemoveCoupon {
            shopper: caller.clone(),
        },
        CartCommand::SetShippingAddress {
            shopper: caller.clone(),
            address: address(),
        },
        CartCommand::CheckOut {
            shopper: caller.clone(),
            order_id: order_id(),
        },
        CartCommand::AbandonCart {
            shopper: caller.clone(),
        },
    ]
}
