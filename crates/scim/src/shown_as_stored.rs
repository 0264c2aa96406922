//! Users whose stored document a response can copy as it is.
//!
//! Rendering a user the general way parses its stored document into a
//! tree, adds `id`, the seat and `meta`, trims it by the projection and
//! serialises it again. When the default projection would leave every
//! stored member as it is, which is nearly always, a response copies the
//! members' text instead. [`plain_schemas_end`] decides that once, when the
//! document is written, so a read need not parse the document at all.
//!
//! What is stored with a document from [`plain_schemas_end`] holds only as
//! long as its rules do: a change to what the default projection shows of
//! a User must come with a migration that clears the stored offsets.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::projection::Projection;
use crate::schema::{SEAT_SCHEMA, USER_SCHEMA, USER_TYPE};

/// Keys Lanyard writes itself: a document holding one of them is rendered
/// the general way, which decides how they combine.
const OWN_KEYS: [&str; 4] = ["id", "meta", "groups", SEAT_SCHEMA];

/// How every document [`plain_schemas_end`] accepts begins.
const PLAIN_START: &str = "{\"schemas\":[";

/// A User document as a response shows it when it copies the members.
pub struct Shown<'a> {
    /// The `schemas` to show: the stored ones (the core schema when there
    /// are none) with the seat URN, less those whose data is missing.
    pub schemas: Vec<Cow<'a, str>>,
    /// Every member as stored, `schemas` included: a response copies the
    /// others in this order.
    pub members: Vec<(Cow<'a, str>, &'a RawValue)>,
}

/// `text`, a stored User document, as `projection` shows it, when that
/// shows every member exactly as stored and none is one Lanyard writes
/// itself; `None` when only the general rendering gives the answer.
pub fn shown_as_stored<'a>(text: &'a str, projection: &Projection) -> Option<Shown<'a>> {
    let Members(members) = serde_json::from_str(text).ok()?;
    let mut schemas = vec![Cow::Borrowed(USER_SCHEMA)];
    for (key, value) in &members {
        if key == "schemas" {
            schemas = serde_json::from_str(value.get()).ok()?;
        } else if OWN_KEYS.contains(&key.as_ref()) || !projection.keeps_verbatim(key, value.get()) {
            return None;
        }
    }
    if !schemas.iter().any(|s| s == SEAT_SCHEMA) {
        schemas.push(Cow::Borrowed(SEAT_SCHEMA));
    }
    schemas.retain(|urn| projection.keeps_schema(urn, |id| id == SEAT_SCHEMA || members.iter().any(|(k, _)| k == id)));
    Some(Shown { schemas, members })
}

/// Where the `]` that closes `schemas` is in `text`, a User document as it
/// is stored (compact JSON), when a response under the default projection
/// is that text with the seat URN added to `schemas`, `id` after them, and
/// `groups`, the seat and `meta` at the end: [`shown_as_stored`] copies
/// every member, `schemas` comes first and only once, is not empty, and
/// the shown `schemas` are the stored ones and the seat URN. `None` for
/// any other document.
pub fn plain_schemas_end(text: &str) -> Option<usize> {
    if !text.starts_with(PLAIN_START) {
        return None;
    }
    let Shown { schemas: shown, members } = shown_as_stored(text, &Projection::default_for(&USER_TYPE))?;
    let ((key, schemas), rest) = members.split_first()?;
    let stored: Vec<Cow<str>> = serde_json::from_str(schemas.get()).ok()?;
    let plain = key == "schemas"
        && !stored.is_empty()
        && rest.iter().all(|(k, _)| k != "schemas")
        && shown.split_last().is_some_and(|(last, others)| last == SEAT_SCHEMA && others == stored.as_slice());
    // Compact JSON: the array starts right after `{"schemas":`.
    let end = PLAIN_START.len() - 1 + schemas.get().len() - 1;
    let closes = text.as_bytes().get(end) == Some(&b']') && matches!(text.as_bytes().get(end + 1), Some(b',' | b'}'));
    (plain && closes).then_some(end)
}

/// A JSON object's members in order, keys decoded and values as text.
struct Members<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(Key(key)) = map.next_key()? {
                    members.push((key, map.next_value()?));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// A key, borrowed from the text unless it holds escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_end_of_schemas_is_found_in_compact_documents_that_begin_with_them() {
        let doc = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann","active":true}"#;
        let end = plain_schemas_end(doc).unwrap();
        assert_eq!(&doc[end..end + 2], "],");
        let only = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}"#;
        assert_eq!(plain_schemas_end(only), Some(only.len() - 2));
        for other in [
            r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann"}"#,
            r#"{"userName":"ann","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}"#,
            r#"{"schemas":[],"userName":"ann"}"#,
            r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann","password":"x"}"#,
            r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann","schemas":[]}"#,
            r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann""#,
        ] {
            assert_eq!(plain_schemas_end(other), None, "{other}");
        }
    }
}
