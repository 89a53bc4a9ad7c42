//! Given a book, when a change is asked, then these changes (or this refusal).

use super::*;

fn address(city: &str) -> Address {
    Address {
        name: "Ada Lovelace".into(),
        line1: "12 St James's Square".into(),
        line2: None,
        city: city.into(),
        postal_code: "SW1Y 4JH".into(),
        country: "GB".into(),
    }
}

fn new_entry(city: &str, make_default: bool) -> NewEntry {
    NewEntry {
        id: Uuid::new_v4(),
        label: None,
        address: address(city),
        make_default,
    }
}

/// A book built by adding `cities` in order (the first is the default).
fn book_of(cities: &[&str]) -> AddressBook {
    let mut book = AddressBook::default();
    for city in cities {
        let changes = book.add(new_entry(city, false)).expect("added");
        for change in &changes {
            book.apply(change);
        }
    }
    book
}

fn id_of(book: &AddressBook, city: &str) -> Uuid {
    book.entries()
        .iter()
        .find(|e| e.address.city == city)
        .expect("entry")
        .id
}

#[test]
fn the_first_address_becomes_the_default() {
    let book = AddressBook::default();
    let entry = new_entry("London", false);
    let id = entry.id;

    let changes = book.add(entry).expect("added");

    assert_eq!(changes.len(), 2);
    assert_eq!(
        changes[1],
        BookChange::DefaultChanged {
            to: Some(id),
            from: None
        }
    );
}

#[test]
fn a_second_address_leaves_the_default_alone_unless_asked() {
    let book = book_of(&["London"]);

    let changes = book.add(new_entry("Paris", false)).expect("added");

    assert!(matches!(changes.as_slice(), [BookChange::Added { .. }]));
}

#[test]
fn adding_a_default_moves_the_default() {
    let book = book_of(&["London"]);
    let london = id_of(&book, "London");
    let entry = new_entry("Paris", true);
    let paris = entry.id;

    let changes = book.add(entry).expect("added");

    assert_eq!(
        changes[1],
        BookChange::DefaultChanged {
            to: Some(paris),
            from: Some(london)
        }
    );
}

#[test]
fn a_full_book_refuses_another_address() {
    let cities: Vec<String> = (0..MAX_ADDRESSES).map(|i| format!("City {i}")).collect();
    let book = book_of(&cities.iter().map(String::as_str).collect::<Vec<_>>());

    let refused = book.add(new_entry("One too many", false));

    assert_eq!(refused, Err(AddressBookError::Full { max: MAX_ADDRESSES }));
}

#[test]
fn an_invalid_address_or_label_is_refused() {
    let book = AddressBook::default();
    let mut entry = new_entry("", false);
    assert_eq!(
        book.add(entry.clone()),
        Err(AddressBookError::InvalidAddress(
            AddressError::MissingField("city")
        ))
    );
    entry.address.city = "London".into();
    entry.label = Some("x".repeat(MAX_LABEL_LEN + 1));
    assert_eq!(
        book.add(entry),
        Err(AddressBookError::InvalidLabel { max: MAX_LABEL_LEN })
    );
}

#[test]
fn addresses_and_labels_are_trimmed_and_an_empty_label_is_none() {
    let book = AddressBook::default();
    let mut entry = new_entry("  London ", false);
    entry.label = Some("   ".into());

    let changes = book.add(entry).expect("added");

    let BookChange::Added { label, address, .. } = &changes[0] else {
        panic!("{changes:?}");
    };
    assert_eq!((label, address.city.as_str()), (&None, "London"));
}

#[test]
fn an_edit_changes_the_named_fields_only() {
    let book = book_of(&["London"]);
    let id = id_of(&book, "London");
    let edit = EntryEdit {
        city: Some("Bath".into()),
        label: Some("Home".into()),
        ..EntryEdit::default()
    };

    let changes = book.edit(id, edit).expect("edited");

    let expected = Address {
        city: "Bath".into(),
        ..address("London")
    };
    assert_eq!(
        changes,
        vec![BookChange::Updated {
            id,
            label: Some("Home".into()),
            address: expected
        }]
    );
}

#[test]
fn an_edit_to_the_same_values_changes_nothing() {
    let book = book_of(&["London"]);
    let id = id_of(&book, "London");
    let edit = EntryEdit {
        city: Some("London".into()),
        make_default: Some(true),
        ..EntryEdit::default()
    };

    assert_eq!(book.edit(id, edit), Ok(vec![]));
}

#[test]
fn an_empty_edit_is_refused() {
    let book = book_of(&["London"]);
    let id = id_of(&book, "London");

    assert_eq!(
        book.edit(id, EntryEdit::default()),
        Err(AddressBookError::NothingToUpdate)
    );
}

#[test]
fn making_another_address_default_unsets_the_old_one() {
    let mut book = book_of(&["London", "Paris"]);
    let (london, paris) = (id_of(&book, "London"), id_of(&book, "Paris"));
    let edit = EntryEdit {
        make_default: Some(true),
        ..EntryEdit::default()
    };

    let changes = book.edit(paris, edit).expect("edited");
    for change in &changes {
        book.apply(change);
    }

    assert_eq!(
        changes,
        vec![BookChange::DefaultChanged {
            to: Some(paris),
            from: Some(london)
        }]
    );
    assert_eq!(book.default_id(), Some(paris));
    assert_eq!(book.entries().iter().filter(|e| e.is_default).count(), 1);
}

#[test]
fn the_default_cannot_be_unset_by_itself() {
    let book = book_of(&["London", "Paris"]);
    let london = id_of(&book, "London");
    let edit = EntryEdit {
        make_default: Some(false),
        ..EntryEdit::default()
    };

    assert_eq!(
        book.edit(london, edit),
        Err(AddressBookError::DefaultRequired)
    );
}

#[test]
fn removing_the_default_promotes_the_oldest_remaining_address() {
    let mut book = book_of(&["London", "Paris", "Rome"]);
    let (london, paris) = (id_of(&book, "London"), id_of(&book, "Paris"));

    let changes = book.remove(london).expect("removed");
    for change in &changes {
        book.apply(change);
    }

    assert_eq!(
        changes[1],
        BookChange::DefaultChanged {
            to: Some(paris),
            from: Some(london)
        }
    );
    assert_eq!(book.default_id(), Some(paris));
}

#[test]
fn removing_the_last_address_leaves_no_default() {
    let book = book_of(&["London"]);
    let london = id_of(&book, "London");

    let changes = book.remove(london).expect("removed");

    assert_eq!(
        changes,
        vec![
            BookChange::Removed { id: london },
            BookChange::DefaultChanged {
                to: None,
                from: Some(london)
            }
        ]
    );
}

#[test]
fn removing_another_address_keeps_the_default() {
    let book = book_of(&["London", "Paris"]);
    let paris = id_of(&book, "Paris");

    assert_eq!(
        book.remove(paris),
        Ok(vec![BookChange::Removed { id: paris }])
    );
}

#[test]
fn an_unknown_entry_is_not_found() {
    let book = book_of(&["London"]);

    assert_eq!(book.remove(Uuid::new_v4()), Err(AddressBookError::NotFound));
    assert_eq!(
        book.edit(Uuid::new_v4(), EntryEdit::default()),
        Err(AddressBookError::NotFound)
    );
}
