//! The fast path agrees with the grammar: whenever it answers, the grammar
//! gives the same tree; where it does not answer, `Filter::parse` falls
//! back to the grammar, so errors cannot change.

use proptest::prelude::*;
use scim_v2::filter::{Filter as Ast, PatchPath};

use super::{Filter, MAX_FILTER_LEN, check, fast, quirks};
use crate::ScimError;
use crate::schema::{GROUP_TYPE, ResourceTypeDef, USER_TYPE};

/// The fast path's tree, after checking that the grammar gives the same.
fn fast_filter(text: &str) -> Option<Ast> {
    let fast = fast::filter(text)?;
    match text.parse::<Ast>() {
        Ok(full) => assert_eq!(fast, full, "{text:?}"),
        Err(e) => panic!("{text:?}: the fast path gave {fast:?}, the grammar refused it: {e}"),
    }
    Some(fast)
}

fn fast_path(text: &str) -> Option<scim_v2::filter::AttrPath> {
    let fast = fast::attr_path(text)?;
    match text.parse::<PatchPath>() {
        Ok(full) => assert_eq!(PatchPath::Attr(fast.clone()), full, "{text:?}"),
        Err(e) => panic!("{text:?}: the fast path gave {fast:?}, the grammar refused it: {e}"),
    }
    Some(fast)
}

/// `Filter::parse` with the grammar alone, as before the fast path.
fn parse_with_grammar(raw: &str, rt: &'static ResourceTypeDef) -> Result<String, ScimError> {
    if raw.len() > MAX_FILTER_LEN {
        return Err(ScimError::invalid_filter(format!("the filter is longer than {MAX_FILTER_LEN} bytes")));
    }
    let text = quirks::normalize_filter(raw);
    if text.is_empty() {
        return Err(ScimError::invalid_filter("the filter is empty"));
    }
    let mut ast =
        text.parse::<Ast>().map_err(|e| ScimError::invalid_filter(format!("invalid filter: {}", super::describe_parse_error(&e))))?;
    check::check_filter(&mut ast, rt)?;
    Ok(ast.to_string())
}

fn same_answer(raw: &str, rt: &'static ResourceTypeDef) {
    let _ = fast_filter(&quirks::normalize_filter(raw));
    let got = Filter::parse(raw, rt).map(|f| f.to_string());
    let want = parse_with_grammar(raw, rt);
    match (got, want) {
        (Ok(got), Ok(want)) => assert_eq!(got, want, "{raw:?}"),
        (Err(got), Err(want)) => assert_eq!((got.status, got.scim_type, got.detail), (want.status, want.scim_type, want.detail), "{raw:?}"),
        (got, want) => panic!("{raw:?}: {got:?} vs {want:?}"),
    }
}

const ENT_DEPARTMENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";

#[test]
fn common_shapes_take_the_fast_path() {
    let cases = [
        r#"userName eq "bjensen""#,
        r#"userName EQ "bjensen""#,
        r#"userName Eq "bjensen""#,
        r#"externalId eq "a b \" c \\ d \u00e9 \n""#,
        r#"name.givenName sw "Ba""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m""#,
        r#"emails co "@example.com""#,
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        "title pr",
        "title PR",
        "  userName   eq   \"x\"  ",
        "active eq true",
        "active eq false",
        "nickName eq null",
        "x eq 42",
        "x eq -0.5e+10",
        "and eq \"x\"",
        "falsey eq \"x\"",
        r#"a-b_c eq "é""#,
    ];
    for text in cases {
        assert!(fast_filter(text).is_some(), "{text:?} missed the fast path");
    }
    for text in ["active", "name.givenName", ENT_DEPARTMENT, "urn:x:y", "  emails  ", "a-b_c"] {
        assert!(fast_path(text).is_some(), "{text:?} missed the fast path");
    }
}

#[test]
fn other_shapes_are_left_to_the_grammar() {
    let cases = [
        "",
        "userName",
        "userName eq",
        "userName eq ",
        r#"userName eq"x""#,
        r#"userName  eqx "x""#,
        "userName\teq \"x\"",
        "userName eq\t\"x\"",
        "userName\u{a0}eq \"x\"",
        r#"userName ſw "x""#,
        r#"userName eq "x" and title pr"#,
        r#"userName eq "x" garbage"#,
        r#"userName eq "x"""#,
        r#"userName eq "unterminated"#,
        r#"userName eq "bad \x escape""#,
        "userName eq \"raw \u{1} control\"",
        "userName eq \"line\\\nfeed\"",
        "userName eq True",
        "userName eq trueish",
        "userName eq 00123",
        "userName eq 1.",
        "userName eq -",
        "userName eq 1e",
        "userName eq bob",
        "title prx",
        "title pr x",
        r#"emails[type eq "work"]"#,
        r#"not (title pr)"#,
        r#"(title pr)"#,
        r#"true eq "x""#,
        r#"null pr"#,
        r#"not pr"#,
        r#"a.b.c eq "x""#,
        r#"name. eq "x""#,
        r#"name.1x eq "x""#,
        r#"a:b eq "x""#,
        r#"a_b:c:d eq "x""#,
        r#"urn:x: eq "x""#,
        r#"1abc eq "x""#,
        r#"é eq "x""#,
    ];
    for text in cases {
        assert!(fast_filter(text).is_none(), "{text:?} took the fast path");
    }
    for text in [
        "",
        "true",
        "not",
        "NOT",
        "a.b.c",
        "name.",
        "a:b",
        "a_b:c:d",
        "emails[type eq \"work\"]",
        "emails[type eq \"work\"].value",
        "x y",
        "1a",
        "a\tb",
    ] {
        assert!(fast_path(text).is_none(), "{text:?} took the fast path");
    }
}

#[test]
fn filters_parse_and_fail_as_with_the_grammar() {
    let cases = [
        r#"userName eq "bjensen""#,
        r#"USERNAME eq "Bob""#,
        r#"userName eq "a\"b""#,
        r#"userName eq "\ud83d\ude00""#,
        r#"userName eq "\ud83d""#,
        r#"userName eq "bad \x escape""#,
        "userName eq \"raw \u{1} control\"",
        "externalId eq jyoung",
        "externalId eq 12345",
        "externalId eq 00123",
        "userName eq true",
        "active eq \"True\"",
        "active eq TRUE",
        "active eq 1",
        "active eq \"yes\"",
        "active gt true",
        "nickName eq null",
        "userName gt null",
        "userName ew 5",
        "title pr",
        "password pr",
        r#"password eq "secret""#,
        r#"name eq "x""#,
        r#"emails co "example""#,
        r#"name.givenName eq "x""#,
        r#"NAME.GIVENNAME eq "x""#,
        r#"name.nope eq "x""#,
        r#"nope eq "x""#,
        r#"meta.created gt "yesterday""#,
        r#"meta.created gt "2011-05-13T04:42:34Z""#,
        r#"meta.created sw "2020""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "x""#,
        r#"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:DEPARTMENT eq "x""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m""#,
        r#"urn:nope:userName eq "x""#,
        r#"a:b eq "x""#,
        r#"a.b.c eq "x""#,
        "userName eq",
        "userName eq \"x\" garbage",
        r#"userName ſw "x""#,
        "  userName eq \"x\"  ",
        "userName\teq\t\"x\"",
        r#"emails[type eq "work"].value eq "a@b.io""#,
        "",
        "   ",
    ];
    for raw in cases {
        same_answer(raw, &USER_TYPE);
    }
    for raw in [r#"displayName eq "Admins""#, r#"members eq "u1""#, r#"userName eq "x""#, "members pr"] {
        same_answer(raw, &GROUP_TYPE);
    }
    let long = format!(r#"userName eq "{}""#, "x".repeat(MAX_FILTER_LEN));
    same_answer(&long, &USER_TYPE);
}

#[test]
fn paths_agree_with_the_grammar() {
    for text in [
        "active",
        "ACTIVE",
        "name.givenName",
        "name.givenName.x",
        ENT_DEPARTMENT,
        &ENT_DEPARTMENT.to_uppercase(),
        "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName",
        "urn:a",
        "urn::a",
        "x-y_z9",
        "false",
        "False",
    ] {
        let _ = fast_path(text);
    }
}

fn name_token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("userName".to_string()),
        Just("name.givenName".to_string()),
        Just(ENT_DEPARTMENT.to_string()),
        Just("true".to_string()),
        Just("not".to_string()),
        "[a-zA-Z0-9_.:+-]{0,8}",
    ]
}

fn spaces() -> impl Strategy<Value = String> {
    prop_oneof![4 => Just(" ".to_string()), 1 => "[ \t\u{a0}]{0,3}"]
}

fn op() -> impl Strategy<Value = String> {
    prop_oneof!["(?i:eq|ne|co|sw|ew|gt|lt|ge|le|pr)", "[a-zſ]{1,3}"]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        r#""([a-z é]|\\["\\/bfnrtu]|\\u[0-9a-fA-F]{4}|\\x)*""#,
        r#""[a-z"\\\n\u{1}]{0,5}"?"#,
        "-?[0-9]{0,3}(\\.[0-9]{0,2})?([eE][+-]?[0-9]{0,2})?",
        "(?i:true|false|null)",
        "[a-z]{0,5}",
    ]
}

proptest! {
    #[test]
    fn shaped_filters_agree(path in name_token(), s1 in spaces(), op in op(), s2 in spaces(), value in value(), tail in "( |\\)| x|)") {
        let raw = format!("{path}{s1}{op}{s2}{value}{tail}");
        same_answer(&raw, &USER_TYPE);
        let _ = fast_filter(&raw);
    }

    #[test]
    fn arbitrary_text_agrees(raw in "[a-zA-Z0-9 _.:\"\\\\()\\[\\]ſ-]{0,24}") {
        let _ = fast_filter(&raw);
        let _ = fast_path(&raw);
        same_answer(&raw, &USER_TYPE);
    }

    #[test]
    fn name_tokens_agree(path in name_token()) {
        let _ = fast_path(&path);
    }
}
