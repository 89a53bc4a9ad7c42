//! Given/when/then tests of the category aggregate.

use cqrs_es::test::TestFramework;

use super::*;
use crate::error_kind::spec::assert_kinds_follow_codes;

fn category() -> TestFramework<Category> {
    TestFramework::with(())
}

fn lineage(slug: &str, ancestors: &[&str]) -> Lineage {
    Lineage {
        slug: slug.into(),
        exists: true,
        ancestors: ancestors.iter().map(|a| a.to_string()).collect(),
    }
}

fn created(slug: &str, parent: Option<&str>) -> CategoryEvent {
    CategoryEvent::CategoryCreated {
        slug: slug.into(),
        name: "Shoes".into(),
        parent: parent.map(str::to_string),
    }
}

fn create(slug: &str, parent: Option<Lineage>) -> CategoryCommand {
    CategoryCommand::CreateCategory {
        slug: slug.into(),
        name: " Shoes ".into(),
        parent,
    }
}

fn move_to(parent: Option<Lineage>) -> CategoryCommand {
    CategoryCommand::UpdateCategory {
        name: None,
        parent: Some(parent),
    }
}

#[test]
fn creates_a_category_under_an_existing_parent() {
    category()
        .given_no_previous_events()
        .when(create("shoes", Some(lineage("clothing", &[]))))
        .then_expect_events(vec![created("shoes", Some("clothing"))]);
}

#[test]
fn refuses_a_parent_that_does_not_exist() {
    let missing = Lineage {
        exists: false,
        ..lineage("nowhere", &[])
    };
    category()
        .given_no_previous_events()
        .when(create("shoes", Some(missing)))
        .then_expect_error(CategoryError::ParentNotFound {
            parent: "nowhere".into(),
        });
}

#[test]
fn refuses_a_slug_that_is_not_normal() {
    category()
        .given_no_previous_events()
        .when(create("Shoes", None))
        .then_expect_error(CategoryError::InvalidSlug {
            slug: "Shoes".into(),
        });
}

#[test]
fn refuses_to_move_under_itself() {
    category()
        .given(vec![created("shoes", None)])
        .when(move_to(Some(lineage("shoes", &[]))))
        .then_expect_error(CategoryError::Cycle {
            parent: "shoes".into(),
        });
}

#[test]
fn refuses_to_move_under_a_descendant() {
    // running → shoes: running's ancestors name the category being moved.
    category()
        .given(vec![created("shoes", None)])
        .when(move_to(Some(lineage("running", &["shoes"]))))
        .then_expect_error(CategoryError::Cycle {
            parent: "running".into(),
        });
}

#[test]
fn moves_to_the_root_and_renames_in_one_update() {
    category()
        .given(vec![created("shoes", Some("clothing"))])
        .when(CategoryCommand::UpdateCategory {
            name: Some("Footwear".into()),
            parent: Some(None),
        })
        .then_expect_events(vec![
            CategoryEvent::CategoryRenamed {
                name: "Footwear".into(),
            },
            CategoryEvent::CategoryMoved { parent: None },
        ]);
}

#[test]
fn an_update_that_changes_nothing_records_nothing() {
    category()
        .given(vec![created("shoes", Some("clothing"))])
        .when(CategoryCommand::UpdateCategory {
            name: Some("Shoes".into()),
            parent: Some(Some(lineage("clothing", &[]))),
        })
        .then_expect_events(vec![]);
}

#[test]
fn refuses_to_delete_a_category_with_children_or_products() {
    category()
        .given(vec![created("shoes", None)])
        .when(CategoryCommand::DeleteCategory {
            children: 1,
            products: 2,
        })
        .then_expect_error(CategoryError::NotEmpty {
            children: 1,
            products: 2,
        });
}

#[test]
fn deletes_an_empty_category_which_may_then_be_created_again() {
    category()
        .given(vec![created("shoes", None)])
        .when(CategoryCommand::DeleteCategory {
            children: 0,
            products: 0,
        })
        .then_expect_events(vec![CategoryEvent::CategoryDeleted {}]);
    category()
        .given(vec![
            created("shoes", None),
            CategoryEvent::CategoryDeleted {},
        ])
        .when(create("shoes", None))
        .then_expect_events(vec![created("shoes", None)]);
}

#[test]
fn a_deleted_category_is_not_found() {
    category()
        .given(vec![
            created("shoes", None),
            CategoryEvent::CategoryDeleted {},
        ])
        .when(move_to(None))
        .then_expect_error(CategoryError::NotFound);
}

#[test]
fn every_error_keeps_its_status_kind() {
    let every = [
        CategoryError::NotFound,
        CategoryError::AlreadyExists,
        CategoryError::InvalidSlug { slug: "A".into() },
        CategoryError::InvalidName { max: 100 },
        CategoryError::ParentNotFound { parent: "x".into() },
        CategoryError::Cycle { parent: "x".into() },
        CategoryError::NothingToUpdate,
        CategoryError::NotEmpty {
            children: 1,
            products: 0,
        },
    ];
    assert_kinds_follow_codes(&every, CategoryError::kind, CategoryError::code);
}
