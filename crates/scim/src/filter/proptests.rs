use proptest::prelude::*;
use scim_v2::filter::{AttrExp, AttrPath, CompValue, CompareOp, Filter as Ast, ValFilter, ValuePath};
use serde_json::{Value, json};

use super::Filter;
use crate::schema::{ENTERPRISE_USER_SCHEMA, USER_TYPE};

fn path(uri: Option<&str>, name: &str, sub: Option<&str>) -> AttrPath {
    AttrPath { uri: uri.map(str::to_string), name: name.into(), sub_attr: sub.map(str::to_string) }
}

fn text_op() -> impl Strategy<Value = CompareOp> {
    prop_oneof![
        Just(CompareOp::Eq),
        Just(CompareOp::Ne),
        Just(CompareOp::Co),
        Just(CompareOp::Sw),
        Just(CompareOp::Ew),
        Just(CompareOp::Gt),
        Just(CompareOp::Ge),
        Just(CompareOp::Lt),
        Just(CompareOp::Le),
    ]
}

fn instant_op() -> impl Strategy<Value = CompareOp> {
    prop_oneof![Just(CompareOp::Eq), Just(CompareOp::Ne), Just(CompareOp::Gt), Just(CompareOp::Le)]
}

/// Short strings, with the characters that matter to the quirk rewrites.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![4 => "[a-c]{0,3}", 1 => r#"[a-cA-C@. \]\["()\\]{0,6}"#]
}

fn instant() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("2020-01-01T00:00:00Z".to_string()),
        Just("2020-01-01T01:00:00+01:00".to_string()),
        Just("2021-06-01T12:00:00.000Z".to_string()),
    ]
}

/// Canonical, well-typed leaf expressions on the User resource type.
fn leaf() -> impl Strategy<Value = Ast> {
    let text_paths = prop_oneof![
        Just(path(None, "userName", None)),
        Just(path(None, "externalId", None)),
        Just(path(None, "name", Some("givenName"))),
        Just(path(None, "emails", Some("value"))),
        Just(path(None, "emails", Some("type"))),
        Just(path(Some(ENTERPRISE_USER_SCHEMA), "employeeNumber", None)),
        Just(path(Some(ENTERPRISE_USER_SCHEMA), "manager", Some("value"))),
    ];
    let present_paths = prop_oneof![
        Just(path(None, "title", None)),
        Just(path(None, "emails", None)),
        Just(path(None, "name", None)),
        Just(path(Some(ENTERPRISE_USER_SCHEMA), "manager", None)),
    ];
    prop_oneof![
        (text_paths, text_op(), word()).prop_map(|(p, op, w)| Ast::Attr(AttrExp::Comparison(p, op, CompValue::Str(w)))),
        (any::<bool>(), any::<bool>()).prop_map(|(ne, b)| Ast::Attr(AttrExp::Comparison(
            path(None, "active", None),
            if ne { CompareOp::Ne } else { CompareOp::Eq },
            if b { CompValue::True } else { CompValue::False },
        ))),
        (instant_op(), instant()).prop_map(|(op, t)| Ast::Attr(AttrExp::Comparison(
            path(None, "meta", Some("lastModified")),
            op,
            CompValue::Str(t)
        ))),
        present_paths.prop_map(|p| Ast::Attr(AttrExp::Present(p))),
        Just(Ast::Attr(AttrExp::Comparison(path(None, "nickName", None), CompareOp::Eq, CompValue::Null))),
        (word(), text_op(), word()).prop_map(|(t, op, v)| Ast::ValuePath(ValuePath {
            attr: path(None, "emails", None),
            filter: Box::new(ValFilter::and(
                ValFilter::Attr(AttrExp::Comparison(path(None, "type", None), CompareOp::Eq, CompValue::Str(t))),
                ValFilter::Attr(AttrExp::Comparison(path(None, "value", None), op, CompValue::Str(v))),
            )),
        })),
    ]
}

fn filter() -> impl Strategy<Value = Ast> {
    leaf().prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Ast::and(a, b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Ast::or(a, b)),
            inner.prop_map(|f| Ast::Not(Box::new(f))),
        ]
    })
}

fn user() -> impl Strategy<Value = Value> {
    let email = ("[a-c]{0,3}", prop_oneof![Just("work"), Just("home")], any::<bool>())
        .prop_map(|(v, t, p)| json!({"value": v, "type": t, "primary": p}));
    ("[a-cA-C]{1,3}", any::<bool>(), proptest::collection::vec(email, 0..3), instant(), proptest::option::of("[a-c]{0,2}")).prop_map(
        |(user_name, active, emails, modified, employee)| {
            let mut u = json!({
                "userName": user_name,
                "active": active,
                "emails": emails,
                "meta": {"lastModified": modified},
            });
            if let Some(n) = employee {
                u[ENTERPRISE_USER_SCHEMA] = json!({"employeeNumber": n, "manager": {"value": n}});
            }
            u
        },
    )
}

/// Flip the case of ASCII letters outside string literals where `flips`
/// says so.
fn flip_case(text: &str, flips: &[bool]) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_quote, mut escaped) = (false, false);
    for (i, c) in text.chars().enumerate() {
        if in_quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quote = false;
            }
            out.push(c);
        } else if c == '"' {
            in_quote = true;
            out.push(c);
        } else if flips.get(i % flips.len().max(1)).copied().unwrap_or(false) {
            out.push(if c.is_ascii_lowercase() { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() });
        } else {
            out.push(c);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The canonical text of a filter parses back to the same tree.
    #[test]
    fn display_round_trips(ast in filter()) {
        let text = ast.to_string();
        let parsed = Filter::parse(&text, &USER_TYPE).map_err(|e| TestCaseError::fail(format!("{text}: {}", e.detail)))?;
        prop_assert_eq!(&parsed.ast, &ast, "{}", text);
    }

    /// Attribute names, URNs, operators and keywords are case-insensitive:
    /// any casing parses to the same canonical tree, so it matches the same
    /// resources.
    #[test]
    fn case_of_names_and_keywords_does_not_matter(
        ast in filter(),
        flips in proptest::collection::vec(any::<bool>(), 1..16),
        u in user(),
    ) {
        let text = flip_case(&ast.to_string(), &flips);
        let parsed = Filter::parse(&text, &USER_TYPE).map_err(|e| TestCaseError::fail(format!("{text}: {}", e.detail)))?;
        prop_assert_eq!(&parsed.ast, &ast, "{}", text);
        let original = Filter { ast, resource_type: &USER_TYPE };
        prop_assert_eq!(parsed.matches(&u), original.matches(&u));
    }

    /// `not`, `and` and `or` mean what they say, whatever the leaves do.
    #[test]
    fn connectives_compose(a in filter(), b in filter(), u in user()) {
        let fa = Filter { ast: a.clone(), resource_type: &USER_TYPE };
        let fb = Filter { ast: b.clone(), resource_type: &USER_TYPE };
        let (ma, mb) = (fa.matches(&u), fb.matches(&u));
        let parse = |ast: Ast| Filter::parse(&ast.to_string(), &USER_TYPE);
        prop_assert_eq!(parse(Ast::Not(Box::new(a.clone()))).map(|f| f.matches(&u)), Ok(!ma));
        prop_assert_eq!(parse(Ast::and(a.clone(), b.clone())).map(|f| f.matches(&u)), Ok(ma && mb));
        prop_assert_eq!(parse(Ast::or(a, b)).map(|f| f.matches(&u)), Ok(ma || mb));
    }

    /// A bare word is the same as the quoted word (Entra's unquoted values).
    #[test]
    fn unquoted_words_equal_quoted_ones(w in "[a-zA-Z][a-zA-Z0-9@._-]{0,10}") {
        prop_assume!(!["true", "false", "null"].contains(&w.to_ascii_lowercase().as_str()));
        let bare = Filter::parse(&format!("externalId eq {w}"), &USER_TYPE).map(|f| f.to_string());
        let quoted = Filter::parse(&format!("externalId eq \"{w}\""), &USER_TYPE).map(|f| f.to_string());
        prop_assert_eq!(bare, quoted);
    }

    /// No input makes the parser panic; refusals are 400 invalidFilter.
    #[test]
    fn any_text_is_parsed_or_refused(raw in r#"[a-zA-Z0-9 ."\[\]()\\:@-]{0,60}|\PC{0,40}"#) {
        if let Err(e) = Filter::parse(&raw, &USER_TYPE) {
            prop_assert_eq!((e.status, e.scim_type), (400, Some(crate::ScimType::InvalidFilter)));
        }
    }
}
