//! What a JSON key of a resource body names: the `schemas` list, a whole
//! schema's container object, an attribute (optionally `.sub`), or nothing
//! we know. Names are matched case-insensitively (RFC 7643 §2.1), with or
//! without their schema URN, and with the URN aliases real clients send.

use std::cell::RefCell;

use rustc_hash::FxHashMap;

use crate::schema::{AttrHome, ResolvedAttr, ResourceTypeDef, SchemaDef};

/// OneLogin's templates speak SCIM 1.0 URNs, or 2.0 URNs in the 1.0 shape.
const CORE_ALIASES: &[&str] = &["urn:scim:schemas:core:1.0", "urn:scim:schemas:core:2.0"];
const ENTERPRISE_ALIASES: &[(&str, &str)] = &[
    ("urn:scim:schemas:extension:enterprise:1.0", crate::schema::ENTERPRISE_USER_SCHEMA),
    ("urn:scim:schemas:extension:enterprise:2.0", crate::schema::ENTERPRISE_USER_SCHEMA),
];

#[derive(Debug, Clone, Copy)]
pub(crate) enum Key {
    Schemas,
    /// A key naming a schema of the resource type; its value holds that
    /// schema's attributes (how extensions are carried, RFC 7643 §3.3).
    Container(AttrHome, &'static SchemaDef),
    Attr(ResolvedAttr),
    Unknown,
}

/// One of `rt`'s schemas by URN or alias, case-insensitively.
pub(crate) fn schema_by_urn(rt: &'static ResourceTypeDef, urn: &str) -> Option<(AttrHome, &'static SchemaDef)> {
    if urn.eq_ignore_ascii_case(rt.schema.id) || CORE_ALIASES.iter().any(|a| a.eq_ignore_ascii_case(urn)) {
        return Some((AttrHome::Core, rt.schema));
    }
    let urn = ENTERPRISE_ALIASES.iter().find(|(alias, _)| alias.eq_ignore_ascii_case(urn)).map_or(urn, |(_, canonical)| *canonical);
    rt.extension(urn).map(|ext| (AttrHome::Extension(ext.id), ext))
}

/// Keys remembered per resource type and thread; beyond it the memory starts over.
const REMEMBERED_KEYS: usize = 256;

/// Classify a top-level key of a resource body (or an attribute name in
/// `attributes`/`excludedAttributes`, which use the same notation).
/// Bodies repeat the same few keys and classifying one scans the schemas,
/// so answers are remembered.
pub(crate) fn classify(rt: &'static ResourceTypeDef, key: &str) -> Key {
    thread_local! {
        static REMEMBERED: RefCell<Vec<(&'static ResourceTypeDef, FxHashMap<String, Key>)>> = const { RefCell::new(Vec::new()) };
    }
    REMEMBERED.with(|remembered| {
        let mut remembered = remembered.borrow_mut();
        // Resource types are statics: one is known by its address.
        let at = match remembered.iter().position(|(known, _)| std::ptr::eq(*known, rt)) {
            Some(at) => at,
            None => {
                remembered.push((rt, FxHashMap::default()));
                remembered.len() - 1
            }
        };
        let known = &mut remembered[at].1;
        if let Some(found) = known.get(key) {
            return *found;
        }
        let found = classify_now(rt, key);
        if known.len() >= REMEMBERED_KEYS {
            known.clear();
        }
        known.insert(key.to_string(), found);
        found
    })
}

fn classify_now(rt: &'static ResourceTypeDef, key: &str) -> Key {
    if key.eq_ignore_ascii_case("schemas") {
        return Key::Schemas;
    }
    if let Some((home, schema)) = schema_by_urn(rt, key) {
        return Key::Container(home, schema);
    }
    // A URN contains dots ("2.0") but an attribute name cannot contain a
    // colon: the last colon separates the URN from `name[.sub]`.
    let resolved = match key.rsplit_once(':') {
        Some((urn, path)) => schema_by_urn(rt, urn).and_then(|(home, schema)| in_schema(rt, home, schema, path)),
        None => in_schema(rt, AttrHome::Core, rt.schema, key),
    };
    resolved.map_or(Key::Unknown, Key::Attr)
}

/// `name[.sub]` inside one schema; the core schema also offers the common
/// attributes (`id`, `externalId`, `meta`).
pub(crate) fn in_schema(rt: &'static ResourceTypeDef, home: AttrHome, schema: &'static SchemaDef, path: &str) -> Option<ResolvedAttr> {
    let (name, sub) = match path.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (path, None),
    };
    let attr = match home {
        AttrHome::Core => rt.resolve(None, name)?.1,
        AttrHome::Extension(_) => schema.attr(name)?,
    };
    let sub = match sub {
        Some(s) => Some(attr.sub(s)?),
        None => None,
    };
    Some(ResolvedAttr { home, attr, sub })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ENTERPRISE_USER_SCHEMA, GROUP_TYPE, USER_TYPE};

    fn attr_name(key: &str) -> Option<String> {
        match classify(&USER_TYPE, key) {
            Key::Attr(r) => Some(r.canonical_name()),
            _ => None,
        }
    }

    #[test]
    fn attribute_names_in_every_notation() {
        assert_eq!(attr_name("USERNAME").as_deref(), Some("userName"));
        assert_eq!(attr_name("name.GivenName").as_deref(), Some("name.givenName"));
        assert_eq!(attr_name("urn:ietf:params:scim:schemas:core:2.0:User:userName").as_deref(), Some("userName"));
        assert_eq!(attr_name("urn:scim:schemas:core:1.0:userName").as_deref(), Some("userName"));
        assert_eq!(
            attr_name("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value").as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")
        );
        assert_eq!(
            attr_name("urn:scim:schemas:extension:enterprise:1.0:department").as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")
        );
        assert_eq!(attr_name("id").as_deref(), Some("id"));
        assert_eq!(attr_name("meta.lastModified").as_deref(), Some("meta.lastModified"));
    }

    #[test]
    fn unknown_names_and_urns() {
        for key in ["nope", "name.nope", "urn:example:foo:userName", "http://schemas.microsoft.com/x:userName", ""] {
            assert!(matches!(classify(&USER_TYPE, key), Key::Unknown), "{key}");
        }
        assert!(matches!(classify(&GROUP_TYPE, "userName"), Key::Unknown));
        assert!(matches!(classify(&GROUP_TYPE, "urn:scim:schemas:extension:enterprise:1.0"), Key::Unknown));
    }

    #[test]
    fn remembered_answers_are_fresh_answers() {
        let mut keys: Vec<String> = ["userName", "USERNAME", "name.givenName", "schemas", "urn:scim:schemas:core:1.0", "members", "nope"]
            .map(str::to_string)
            .to_vec();
        keys.extend((0..REMEMBERED_KEYS + 50).map(|n| format!("junk{n}")));
        for _ in 0..3 {
            for rt in [&USER_TYPE, &GROUP_TYPE] {
                for key in &keys {
                    assert_eq!(format!("{:?}", classify(rt, key)), format!("{:?}", classify_now(rt, key)), "{key}");
                }
            }
        }
    }

    #[test]
    fn containers_and_schemas() {
        assert!(matches!(classify(&USER_TYPE, "Schemas"), Key::Schemas));
        assert!(matches!(
            classify(&USER_TYPE, "urn:scim:schemas:extension:enterprise:2.0"),
            Key::Container(AttrHome::Extension(ENTERPRISE_USER_SCHEMA), _)
        ));
        assert!(matches!(classify(&GROUP_TYPE, "urn:scim:schemas:core:1.0"), Key::Container(AttrHome::Core, _)));
    }
}
