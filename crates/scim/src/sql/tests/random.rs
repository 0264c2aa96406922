//! Random filters over the fixture: the rows the SQL selects must be the
//! resources the in-memory evaluator matches.
//!
//! Text stays ASCII: SQLite's `lower()` folds ASCII only, where the
//! evaluator folds all of Unicode. `emails.primary` is only tested for
//! `true`: the side table cannot tell an absent `primary` from `false`.

use std::cell::RefCell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use super::sqlite::{USER_TABLE, evaluate, fixture, select, users};
use crate::filter::Filter;
use crate::schema::USER_TYPE;

#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Bool,
    Time,
    /// A boolean kept in a side table: `eq true` and `ne true` only.
    TrueFlag,
}

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const SEAT: &str = "urn:lanyard:params:scim:schemas:extension:seat:2.0:User";

fn attributes() -> Vec<(String, Kind)> {
    let mut attrs: Vec<(String, Kind)> = [
        ("userName", Kind::Text),
        ("displayName", Kind::Text),
        ("externalId", Kind::Text),
        ("id", Kind::Text),
        ("title", Kind::Text),
        ("nickName", Kind::Text),
        ("active", Kind::Bool),
        ("emails", Kind::Text),
        ("emails.value", Kind::Text),
        ("emails.type", Kind::Text),
        ("emails.primary", Kind::TrueFlag),
        ("phoneNumbers", Kind::Text),
        ("phoneNumbers.value", Kind::Text),
        ("phoneNumbers.type", Kind::Text),
        ("phoneNumbers.primary", Kind::Bool),
        ("name.givenName", Kind::Text),
        ("name.familyName", Kind::Text),
        ("groups", Kind::Text),
        ("meta.created", Kind::Time),
        ("meta.lastModified", Kind::Time),
    ]
    .iter()
    .map(|(name, kind)| (name.to_string(), *kind))
    .collect();
    for (name, kind) in [("department", Kind::Text), ("employeeNumber", Kind::Text), ("manager.value", Kind::Text)] {
        attrs.push((format!("{ENTERPRISE}:{name}"), kind));
    }
    attrs.push((format!("{SEAT}:seat.status"), Kind::Text));
    attrs
}

const TEXTS: &[&str] = &[
    "bjensen",
    "BJ",
    "j",
    "work",
    "Work",
    "home",
    "example",
    "EXAMPLE.com",
    "@",
    "%",
    "_",
    "\\",
    "",
    "555",
    "-0000",
    "u2",
    "e-1",
    "E-1",
    "tour guide",
    "Tour",
    "boss",
    "r&d",
    "a",
    "z",
    "assigned",
    "pending",
    "g1",
    "alice",
    "42",
    "Barbara",
    "jensen",
    "mobile",
];

const TIMES: &[&str] = &[
    "2020-01-01T00:00:00Z",
    "2020-06-01T00:00:00Z",
    "2021-01-01T00:00:00Z",
    "2021-03-01T00:00:00.000Z",
    "2022-01-01T02:00:00+02:00",
    "2023-01-01T00:00:00Z",
];

const TEXT_OPS: &[&str] = &["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"];
const TIME_OPS: &[&str] = &["eq", "ne", "gt", "ge", "lt", "le"];

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

/// One attribute test on `path`.
fn test_on(path: String, kind: Kind) -> BoxedStrategy<String> {
    let presence = {
        let path = path.clone();
        prop_oneof![Just("pr"), Just("eq null"), Just("ne null")].prop_map(move |t| format!("{path} {t}"))
    };
    match kind {
        Kind::Text => prop_oneof![
            3 => (prop::sample::select(TEXT_OPS), prop::sample::select(TEXTS))
                .prop_map(move |(op, v)| format!("{path} {op} {}", quoted(v))),
            1 => presence,
        ]
        .boxed(),
        Kind::Time => prop_oneof![
            3 => (prop::sample::select(TIME_OPS), prop::sample::select(TIMES))
                .prop_map(move |(op, v)| format!("{path} {op} {}", quoted(v))),
            1 => presence,
        ]
        .boxed(),
        Kind::Bool => prop_oneof![
            3 => (prop::sample::select(&["eq", "ne"][..]), any::<bool>())
                .prop_map(move |(op, v)| format!("{path} {op} {v}")),
            1 => presence,
        ]
        .boxed(),
        Kind::TrueFlag => prop::sample::select(&["eq", "ne"][..]).prop_map(move |op| format!("{path} {op} true")).boxed(),
    }
}

fn attribute_test() -> BoxedStrategy<String> {
    prop::sample::select(attributes()).prop_flat_map(|(path, kind)| test_on(path, kind)).boxed()
}

/// `parent[...]` with tests on its sub-attributes.
fn value_path() -> BoxedStrategy<String> {
    let parents: Vec<(&'static str, Vec<(&'static str, Kind)>)> = vec![
        ("emails", vec![("value", Kind::Text), ("type", Kind::Text), ("primary", Kind::TrueFlag)]),
        ("phoneNumbers", vec![("value", Kind::Text), ("type", Kind::Text), ("primary", Kind::Bool)]),
        ("name", vec![("givenName", Kind::Text), ("familyName", Kind::Text)]),
    ];
    prop::sample::select(parents)
        .prop_flat_map(|(parent, subs)| {
            let leaf = prop::sample::select(subs).prop_flat_map(|(sub, kind)| test_on(sub.to_string(), kind));
            let inner = leaf.prop_recursive(2, 4, 2, |inner| {
                prop_oneof![
                    (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
                    (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
                    inner.prop_map(|a| format!("not ({a})")),
                ]
            });
            inner.prop_map(move |f| format!("{parent}[{f}]"))
        })
        .boxed()
}

/// A filter's text: attribute tests and value paths under `and`, `or`
/// and `not`.
pub(super) fn filter() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![3 => attribute_test(), 1 => value_path()];
    leaf.prop_recursive(3, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|fs| format!("({})", fs.join(") and ("))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|fs| format!("({})", fs.join(") or ("))),
            inner.prop_map(|f| format!("not ({f})")),
        ]
    })
}

#[test]
fn random_filters_select_what_the_evaluator_matches() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let db = RefCell::new(runtime.block_on(fixture()));
    let resources = users();
    let mut runner = TestRunner::new(Config { cases: 1000, ..Config::default() });
    let outcome = runner.run(&filter(), |raw| {
        let parsed = Filter::parse(&raw, &USER_TYPE);
        prop_assert!(parsed.is_ok(), "{raw}: {parsed:?}");
        let Ok(filter) = parsed else { return Ok(()) };
        let selected = runtime.block_on(select(&mut db.borrow_mut(), &USER_TABLE, &raw, None));
        prop_assert_eq!(selected, evaluate(&resources, &filter), "{}", raw);
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}
