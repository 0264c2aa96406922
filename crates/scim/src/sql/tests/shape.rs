//! A shape's translation, made once with stand-in values, must be the
//! translation of every filter of that shape.

use std::cell::Cell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use super::random::filter;
use super::{PlainDialect, SqliteDialect, USERS};
use crate::filter::{Filter, ParamSource};
use crate::schema::USER_TYPE;
use crate::sql::{Dialect, SqlValue, where_clause};

fn translate(filter: &Filter, dialect: &dyn Dialect) -> Option<(String, Vec<SqlValue>)> {
    let fragment = where_clause(filter, &USERS, dialect, &mut 2).ok()?;
    Some((fragment.sql, fragment.params))
}

/// Values that case folding, `LIKE` escaping and JSON escaping treat
/// differently: upper case beyond ASCII (`İ` lower-cases to two
/// characters), `%`, `_`, `\`, quotes, spaces and control characters.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-cA-C]{0,3}",
        r#"[a-cA-C%_\\" İẞΣ\u{1}\t]{0,6}"#,
        Just("2021-01-01T00:00:00Z".to_string()),
        Just("TRUE".to_string()),
        Just(" 7 ".to_string()),
    ]
}

#[test]
fn a_shape_translated_with_stand_ins_translates_every_filter_of_that_shape() {
    let reused = Cell::new(0);
    let mut runner = TestRunner::new(Config { cases: 2000, ..Config::default() });
    let outcome = runner.run(&(filter(), prop::collection::vec(value(), 1..6)), |(raw, values)| {
        let parsed = Filter::parse(&raw, &USER_TYPE);
        prop_assert!(parsed.is_ok(), "{raw}: {parsed:?}");
        let Ok(original) = parsed else { return Ok(()) };
        let filter = original.with_values(|n| values[n % values.len()].clone());
        let shape = filter.shape();
        let original_shape = original.shape();
        prop_assert_eq!(shape.key(), original_shape.key(), "the values are not part of the shape");
        for dialect in [&SqliteDialect as &dyn Dialect, &PlainDialect] {
            let Some((sql, params)) = translate(&filter.with_stand_in_values(), dialect) else { continue };
            let Some(sources) = shape.sources(&params) else { continue };
            reused.set(reused.get() + 1);
            let direct = translate(&filter, dialect);
            prop_assert_eq!(direct, Some((sql, shape.params(&sources))), "{}", filter);
        }
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
    assert!(reused.get() > 500, "only {} translations could be reused", reused.get());
}

#[test]
fn lookups_clients_send_reuse_their_translation_and_patterns_do_not() {
    let sources = |raw: &str| {
        let filter = Filter::parse(raw, &USER_TYPE).unwrap();
        let (_, params) = translate(&filter.with_stand_in_values(), &SqliteDialect)?;
        filter.shape().sources(&params)
    };
    assert_eq!(sources(r#"userName eq "Ann""#), Some(vec![ParamSource::Lowercased(0)]), "a folded column");
    assert_eq!(sources(r#"externalId eq "Ann""#), Some(vec![ParamSource::Value(0)]));
    assert_eq!(
        sources(r#"emails[type eq "work" and value eq "a@x"] and active eq true"#),
        Some(vec![ParamSource::Lowercased(0), ParamSource::Lowercased(1), ParamSource::Fixed(SqlValue::Bool(true))])
    );
    assert_eq!(sources(r#"userName sw "An""#), None, "a LIKE pattern holds only for its value");
    assert_eq!(sources(r#"meta.created gt "2021-01-01T00:00:00Z""#), None, "a time is parsed from its value");
}

#[test]
fn shapes_differ_in_everything_but_string_values() {
    let key = |raw: &str| Filter::parse(raw, &USER_TYPE).unwrap().shape().key().to_string();
    assert_eq!(key(r#"userName eq "a""#), key(r#"USERNAME Eq "b""#), "names and operators are canonical");
    assert_eq!(key(r#"userName eq "a""#), "(userName eq $)");
    let distinct = [
        r#"userName eq "a""#,
        r#"userName ne "a""#,
        r#"displayName eq "a""#,
        r#"userName eq "a" and userName eq "b""#,
        r#"userName eq "a" or userName eq "b""#,
        r#"not (userName eq "a")"#,
        r#"emails[value eq "a"]"#,
        r#"emails.value eq "a""#,
        "active eq true",
        "active eq false",
        "userName eq null",
        "userName pr",
    ];
    let keys: std::collections::HashSet<String> = distinct.iter().map(|raw| key(raw)).collect();
    assert_eq!(keys.len(), distinct.len(), "{keys:?}");
}
