//! The SQL text and parameters generated for representative filters.

use super::{GROUPS, PlainDialect, USERS};
use crate::ScimType;
use crate::filter::Filter;
use crate::schema::{GROUP_TYPE, USER_TYPE};
use crate::sql::{SqlFragment, SqlMap, SqlValue, sort_expr, where_clause};

const EMAILS: &str = "user_emails e WHERE e.tenant_id = u.tenant_id AND e.user_id = u.id";

fn render_on(raw: &str, groups: bool) -> SqlFragment {
    let (rt, map): (_, &SqlMap) = if groups { (&GROUP_TYPE, &GROUPS) } else { (&USER_TYPE, &USERS) };
    let filter = Filter::parse(raw, rt).unwrap_or_else(|e| panic!("{raw}: {e}"));
    let mut next = 1;
    let fragment = where_clause(&filter, map, &PlainDialect, &mut next).unwrap_or_else(|e| panic!("{raw}: {e}"));
    assert_eq!(next, fragment.params.len() + 1, "{raw}: placeholders advance past the parameters");
    fragment
}

fn render(raw: &str) -> SqlFragment {
    render_on(raw, false)
}

fn text(s: &str) -> SqlValue {
    SqlValue::Text(s.to_string())
}

/// The error for a filter refused by the parser's checks or by the
/// translation: either way an `invalidFilter`.
fn rejected(raw: &str) -> String {
    let err = match Filter::parse(raw, &USER_TYPE) {
        Err(err) => err,
        Ok(filter) => where_clause(&filter, &USERS, &PlainDialect, &mut 1).expect_err(raw),
    };
    assert_eq!(err.scim_type, Some(ScimType::InvalidFilter), "{raw}");
    assert_eq!(err.status, 400);
    err.detail
}

#[test]
fn folded_columns_compare_with_a_lowercased_parameter() {
    let f = render(r#"UserName eq "BJensen""#);
    assert_eq!(f.sql, "u.user_name_ci = ?1");
    assert_eq!(f.params, vec![text("bjensen")]);
    let f = render(r#"displayName sw "Babs_""#);
    assert_eq!(f.sql, r"u.display_name_ci LIKE ?1 ESCAPE '\'");
    assert_eq!(f.params, vec![text(r"babs\_%")]);
}

#[test]
fn case_exact_columns_compare_exactly() {
    let f = render(r#"externalId eq "E-1""#);
    assert_eq!(f.sql, "u.external_id = ?1");
    assert_eq!(f.params, vec![text("E-1")]);
    let f = render(r#"id sw "ab""#);
    assert_eq!(f.sql, "substr(u.id, 1, length(?1)) = ?2");
    let f = render(r#"id co "ab""#);
    assert_eq!(f.sql, "strpos(u.id, ?1) > 0");
}

#[test]
fn placeholders_start_where_the_caller_says() {
    let filter = Filter::parse(r#"userName eq "a" or externalId eq "b""#, &USER_TYPE).unwrap();
    let mut next = 3;
    let f = where_clause(&filter, &USERS, &PlainDialect, &mut next).unwrap();
    assert_eq!(f.sql, "(u.user_name_ci = ?3 OR u.external_id = ?4)");
    assert_eq!(next, 5);
}

#[test]
fn child_table_values_are_one_exists() {
    let f = render(r#"emails.value eq "BJ@Example.com""#);
    assert_eq!(f.sql, format!("EXISTS (SELECT 1 FROM {EMAILS} AND e.value_ci = ?1)"));
    assert_eq!(f.params, vec![text("bj@example.com")]);
    // A complex attribute without sub-attribute means its value.
    assert_eq!(render(r#"emails co "x""#).sql, format!("EXISTS (SELECT 1 FROM {EMAILS} AND e.value_ci LIKE ?1 ESCAPE '\\')"));
    assert_eq!(render("emails pr").sql, format!("EXISTS (SELECT 1 FROM {EMAILS})"));
}

#[test]
fn value_path_conditions_meet_in_the_same_element() {
    let f = render(r#"emails[type eq "work" and value co "@X"]"#);
    assert_eq!(f.sql, format!("EXISTS (SELECT 1 FROM {EMAILS} AND (e.type_ci = ?1 AND e.value_ci LIKE ?2 ESCAPE '\\'))"));
    assert_eq!(f.params, vec![text("work"), text("%@x%")]);
}

#[test]
fn json_attributes_are_read_from_the_document() {
    let f = render(r#"title eq "Boss""#);
    assert_eq!(f.sql, "lower(json_text(u.doc, title)) = lower(?1)");
    let f = render(r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m1""#);
    assert_eq!(f.sql, "lower(json_text(u.doc, urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/manager/value)) = lower(?1)");
    let f = render(r#"phoneNumbers[type eq "work" and primary eq true]"#);
    assert_eq!(
        f.sql,
        "EXISTS (SELECT 1 FROM json_rows(u.doc, phoneNumbers) v WHERE \
         (lower(json_text(v.elem, type)) = lower(?1) AND json_text(v.elem, primary) = ?2))"
    );
    assert_eq!(f.params, vec![text("work"), text("true")]);
    // Brackets on a single-valued complex attribute need it to be there.
    assert_eq!(
        render(r#"name[givenName ne "x"]"#).sql,
        "(json_text(u.doc, name) IS NOT NULL AND NOT COALESCE(lower(json_text(u.doc, name/givenName)) = lower(?1), FALSE))"
    );
    assert_eq!(render("name pr").sql, "COALESCE(json_text(u.doc, name), '') NOT IN ('', '[]', '{}')");
}

#[test]
fn absent_attributes_match_ne_and_not() {
    let f = render(r#"title ne "boss""#);
    assert_eq!(f.sql, "NOT COALESCE(lower(json_text(u.doc, title)) = lower(?1), FALSE)");
    let f = render(r#"not (userName sw "a")"#);
    assert_eq!(f.sql, r"NOT COALESCE(u.user_name_ci LIKE ?1 ESCAPE '\', FALSE)");
    assert_eq!(render("externalId eq null").sql, "NOT COALESCE((u.external_id IS NOT NULL AND u.external_id <> ''), FALSE)");
    assert_eq!(render("externalId ne null").sql, "(u.external_id IS NOT NULL AND u.external_id <> '')");
    // ne on a multi-valued attribute: no value equals.
    assert_eq!(render(r#"emails.type ne "work""#).sql, format!("NOT COALESCE(EXISTS (SELECT 1 FROM {EMAILS} AND e.type_ci = ?1), FALSE)"));
}

#[test]
fn typed_columns_get_typed_parameters() {
    let f = render(r#"meta.lastModified gt "2011-05-13T04:42:34Z""#);
    assert_eq!(f.sql, "u.modified_at > ?1");
    assert_eq!(f.params, vec![SqlValue::Int(1_305_261_754_000_000)]);
    let f = render("active eq true");
    assert_eq!(f.sql, "u.active = ?1");
    assert_eq!(f.params, vec![SqlValue::Bool(true)]);
    let f = render(r#"urn:lanyard:params:scim:schemas:extension:seat:2.0:User:seat.status eq "pending""#);
    assert_eq!(f.sql, "u.seat_status = ?1");
    // A value path on a single-valued complex attribute reaches its columns.
    assert_eq!(
        render(r#"meta[created ge "2020-01-01T00:00:00Z"]"#).sql,
        "((u.created_at IS NOT NULL OR u.modified_at IS NOT NULL) AND u.created_at >= ?1)"
    );
    assert_eq!(render("meta pr").sql, "(u.created_at IS NOT NULL OR u.modified_at IS NOT NULL)");
}

#[test]
fn group_members_filter_through_their_table() {
    let f = render_on(r#"id eq "g1" and members eq "u1""#, true);
    assert_eq!(
        f.sql,
        "(g.id = ?1 AND EXISTS (SELECT 1 FROM group_members m WHERE m.tenant_id = g.tenant_id \
         AND m.group_id = g.id AND m.member_id = ?2))"
    );
    let f = render_on(r#"members[type eq "user"]"#, true);
    assert!(f.sql.contains("lower(m.member_type) = lower(?1)"), "{}", f.sql);
}

#[test]
fn unsupported_filters_are_invalid_filter() {
    assert!(rejected(r#"emails.display eq "x""#).contains("emails.display"));
    assert!(rejected(r#"meta.location eq "x""#).contains("meta.location"));
    assert!(rejected(r#"nickname.first eq "x""#).contains("unknown attribute"));
    assert!(rejected(r#"nope eq "x""#).contains("unknown attribute"));
    assert!(rejected("active gt true").contains("boolean"));
    assert!(rejected(r#"active eq "maybe""#).contains("boolean"));
    assert!(rejected(r#"meta.created gt "yesterday""#).contains("dateTime"));
    assert!(rejected(r#"meta.created co "2020""#).contains("dateTime"));
    assert!(rejected(r#"name eq "x""#).contains("complex"));
    assert!(rejected(r#"addresses eq "x""#).contains("complex"));
    assert!(rejected(r#"userName[value eq "x"]"#).contains("userName"));
    assert!(rejected(r#"emails[nope eq "x"]"#).contains("not a sub-attribute"));
    assert!(rejected(r#"x509Certificates.value gt "x""#).contains("binary"));
    assert!(rejected(r#"userName gt null"#).contains("null"));
}

#[test]
fn long_or_chains_stay_shallow() {
    let raw: Vec<String> = (0..200).map(|i| format!(r#"id eq "u{i}""#)).collect();
    let f = render(&raw.join(" or "));
    assert_eq!(f.params.len(), 200);
    assert!(f.sql.starts_with("((((((("));
    assert!(!f.sql.starts_with("(((((((((("));
}

#[test]
fn sort_keys() {
    let sort = |path: &str| {
        let (name, sub) = path.split_once('.').map_or((path, None), |(n, s)| (n, Some(s)));
        let attr = USER_TYPE.resolve_path(None, name, sub).unwrap();
        sort_expr(&attr, &USERS, &PlainDialect)
    };
    assert_eq!(sort("userName").unwrap(), "u.user_name_ci");
    assert_eq!(sort("externalId").unwrap(), "u.external_id");
    assert_eq!(sort("meta.lastModified").unwrap(), "u.modified_at");
    assert_eq!(sort("title").unwrap(), "lower(json_text(u.doc, title))");
    assert_eq!(
        sort("emails").unwrap(),
        format!("COALESCE((SELECT e.value_ci FROM {EMAILS} AND e.is_primary = TRUE LIMIT 1), (SELECT e.value_ci FROM {EMAILS} LIMIT 1))")
    );
    assert_eq!(
        sort("phoneNumbers.type").unwrap(),
        "COALESCE((SELECT lower(json_text(v.elem, type)) FROM json_rows(u.doc, phoneNumbers) v WHERE json_text(v.elem, primary) = 'true' LIMIT 1), \
         (SELECT lower(json_text(v.elem, type)) FROM json_rows(u.doc, phoneNumbers) v LIMIT 1))"
    );
    for bad in ["name", "meta", "meta.location", "emails.display", "addresses"] {
        let err = sort(bad).expect_err(bad);
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue), "{bad}");
    }
}
