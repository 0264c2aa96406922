//! Immutable attributes (RFC 7643 §2.2, RFC 7644 §3.5.1): once a value is
//! set, a replacement must carry the same value.

use serde_json::Value;

use crate::ScimError;
use crate::schema::{AttrDef, AttrType, COMMON_ATTRIBUTES, Mutability, ResourceTypeDef};

/// 400 `mutability` when `new` changes the value of an immutable attribute
/// (or of an immutable sub-attribute of a single-valued complex attribute)
/// that `old` has. Both are canonical documents ([`super::normalize`]).
/// Leaving such an attribute out is not a change: a PUT from a client
/// that does not manage it must not fail.
///
/// Multi-valued attributes with immutable sub-attributes (group `members`)
/// are not checked here: adding and removing whole elements is allowed,
/// and there is no element identity to compare.
pub fn immutable_violations(old: &Value, new: &Value, rt: &'static ResourceTypeDef) -> Result<(), ScimError> {
    let core = COMMON_ATTRIBUTES.iter().chain(rt.schema.attributes).map(|a| (None, a));
    let extensions = rt.extensions.iter().flat_map(|(ext, _)| ext.attributes.iter().map(|a| (Some(ext.id), a)));
    for (urn, attr) in core.chain(extensions) {
        let (Some(before), Some(after)) = (value_at(old, urn, attr), value_at(new, urn, attr)) else { continue };
        let path = match urn {
            None => attr.name.to_string(),
            Some(urn) => format!("{urn}:{}", attr.name),
        };
        if attr.mutability == Mutability::Immutable {
            if !same(attr, before, after) {
                return Err(changed(&path));
            }
        } else if attr.is_complex() && !attr.multi_valued {
            for sub in attr.sub_attributes.iter().filter(|s| s.mutability == Mutability::Immutable) {
                if let (Some(b), Some(a)) = (before.get(sub.name), after.get(sub.name))
                    && !same(sub, b, a)
                {
                    return Err(changed(&format!("{path}.{}", sub.name)));
                }
            }
        }
    }
    Ok(())
}

fn value_at<'d>(doc: &'d Value, urn: Option<&str>, attr: &AttrDef) -> Option<&'d Value> {
    let home = match urn {
        None => doc,
        Some(urn) => doc.get(urn)?,
    };
    home.get(attr.name)
}

fn changed(path: &str) -> ScimError {
    ScimError::mutability(format!("{path} is immutable: its value cannot be changed once set"))
}

/// Equal as SCIM compares them: strings of a caseExact=false attribute
/// ignore case; multi-valued values ignore order.
fn same(attr: &AttrDef, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) if attr.ty != AttrType::Complex && !attr.case_exact => x.to_lowercase() == y.to_lowercase(),
        (Value::Array(x), Value::Array(y)) if attr.multi_valued => {
            x.len() == y.len() && x.iter().all(|v| y.iter().any(|w| same_element(attr, v, w)))
        }
        _ => a == b,
    }
}

fn same_element(attr: &AttrDef, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| match (attr.sub(k), y.get(k)) {
                    (Some(sub), Some(w)) => same(sub, v, w),
                    (None, Some(w)) => v == w,
                    (_, None) => false,
                })
        }
        (Value::String(x), Value::String(y)) if !attr.case_exact => x.to_lowercase() == y.to_lowercase(),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{AttrDef, AttrType, ResourceTypeDef, SchemaDef};
    use serde_json::json;

    static SUBS: &[AttrDef] = &[AttrDef::string("value", "v").mutability(Mutability::Immutable), AttrDef::string("label", "l")];
    static BADGE: SchemaDef = SchemaDef {
        id: "urn:example:badge",
        name: "Badge",
        description: "test",
        attributes: &[
            AttrDef::string("serial", "s").mutability(Mutability::Immutable),
            AttrDef::string("code", "c").case_exact().mutability(Mutability::Immutable),
            AttrDef::complex("holder", SUBS, "h"),
            AttrDef::complex("tags", SUBS, "t").multi(),
            AttrDef::new("issued", AttrType::Integer, "i").mutability(Mutability::Immutable),
        ],
    };
    static BADGE_EXT: SchemaDef = SchemaDef {
        id: "urn:example:badge:ext",
        name: "BadgeExt",
        description: "test",
        attributes: &[AttrDef::string("pin", "p").mutability(Mutability::Immutable)],
    };
    static BADGE_TYPE: ResourceTypeDef = ResourceTypeDef {
        id: "Badge",
        name: "Badge",
        endpoint: "/Badges",
        description: "test",
        schema: &BADGE,
        extensions: &[(&BADGE_EXT, false)],
    };

    fn check(old: Value, new: Value) -> Result<(), ScimError> {
        immutable_violations(&old, &new, &BADGE_TYPE)
    }

    #[test]
    fn changing_a_set_immutable_value_is_refused() {
        let e = check(json!({"serial": "A1"}), json!({"serial": "B2"})).unwrap_err();
        assert_eq!(e.scim_type, Some(crate::ScimType::Mutability));
        assert!(e.detail.contains("serial"));
        assert!(check(json!({"issued": 1}), json!({"issued": 2})).is_err());
        assert!(check(json!({"code": "abc"}), json!({"code": "ABC"})).is_err());
        assert!(check(json!({"holder": {"value": "x"}}), json!({"holder": {"value": "y"}})).is_err());
        let e = check(json!({"urn:example:badge:ext": {"pin": "1"}}), json!({"urn:example:badge:ext": {"pin": "2"}})).unwrap_err();
        assert!(e.detail.contains("urn:example:badge:ext:pin"));
    }

    #[test]
    fn same_value_unset_value_and_omission_are_fine() {
        assert!(check(json!({"serial": "a1"}), json!({"serial": "A1"})).is_ok(), "caseExact=false");
        assert!(check(json!({}), json!({"serial": "A1"})).is_ok(), "first set");
        assert!(check(json!({"serial": "A1"}), json!({})).is_ok(), "omitted");
        assert!(check(json!({"holder": {"value": "x", "label": "a"}}), json!({"holder": {"value": "x", "label": "b"}})).is_ok());
        assert!(check(json!({"tags": [{"value": "x"}]}), json!({"tags": [{"value": "y"}]})).is_ok(), "members-like");
    }

    #[test]
    fn real_schemas_have_nothing_to_trip_on() {
        let old = json!({"userName": "a", "externalId": "1"});
        let new = json!({"userName": "b", "externalId": "2"});
        assert!(immutable_violations(&old, &new, &crate::schema::USER_TYPE).is_ok());
        let old = json!({"displayName": "g", "members": [{"value": "1"}]});
        let new = json!({"displayName": "g", "members": [{"value": "2"}]});
        assert!(immutable_violations(&old, &new, &crate::schema::GROUP_TYPE).is_ok());
    }
}
