//! Which attributes a response carries: `attributes` and
//! `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9) applied on top of each
//! attribute's `returned` characteristic (RFC 7643 §2.2).
//!
//! - `returned: always` (`id`) is always there and cannot be excluded;
//! - `returned: never` (`password`) never is;
//! - `returned: request` only when named in `attributes`;
//! - `returned: default` unless `attributes` leaves it out or
//!   `excludedAttributes` names it.
//!
//! Names are case-insensitive, may carry their schema URN, may select a
//! sub-attribute (`name.givenName`, `emails.value`), and an extension URN
//! alone selects the whole extension. Unknown names are ignored: RFC 7644
//! does not say they are errors, and `/.search` applies one list to both
//! Users and Groups.

use serde_json::{Map, Value};

use crate::ScimError;
use crate::resource::keys::{self, Key};
use crate::schema::{AttrDef, AttrHome, ResourceTypeDef, Returned};

#[derive(Debug, Clone)]
pub struct Projection {
    rt: &'static ResourceTypeDef,
    /// `Some` when `attributes` was given: nothing else (but `always`).
    only: Option<Vec<Selector>>,
    excluded: Vec<Selector>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selector {
    /// Every attribute of one schema (the core one includes `id`,
    /// `externalId` and `meta`).
    Schema(AttrHome),
    Attr {
        home: AttrHome,
        attr: &'static str,
        sub: Option<&'static str>,
    },
}

impl Selector {
    fn parse(rt: &'static ResourceTypeDef, name: &str) -> Option<Selector> {
        match keys::classify(rt, name.trim()) {
            Key::Container(home, _) => Some(Selector::Schema(home)),
            Key::Attr(r) => Some(Selector::Attr { home: r.home, attr: r.attr.name, sub: r.sub.map(|s| s.name) }),
            Key::Schemas | Key::Unknown => None,
        }
    }

    fn is_attr(&self, home: AttrHome, attr: &AttrDef) -> bool {
        match self {
            Selector::Schema(h) => *h == home,
            Selector::Attr { home: h, attr: a, .. } => *h == home && *a == attr.name,
        }
    }

    /// Does naming this in `attributes` return `attr` (or its `sub`)?
    /// `request` attributes only when named themselves.
    fn selects(&self, home: AttrHome, attr: &AttrDef, sub: Option<&AttrDef>) -> bool {
        let on_request = |a: &AttrDef| a.returned == Returned::Request;
        match *self {
            Selector::Schema(h) => h == home && !on_request(attr) && !sub.is_some_and(on_request),
            Selector::Attr { sub: None, .. } => self.is_attr(home, attr) && !sub.is_some_and(on_request),
            Selector::Attr { sub: Some(x), .. } => self.is_attr(home, attr) && sub.is_some_and(|s| s.name == x),
        }
    }

    /// Does naming this in `excludedAttributes` remove `attr` (or its `sub`)?
    fn excludes(&self, home: AttrHome, attr: &AttrDef, sub: Option<&AttrDef>) -> bool {
        match *self {
            Selector::Schema(_) | Selector::Attr { sub: None, .. } => self.is_attr(home, attr),
            Selector::Attr { sub: Some(x), .. } => self.is_attr(home, attr) && sub.is_some_and(|s| s.name == x),
        }
    }
}

fn selectors(rt: &'static ResourceTypeDef, list: &str) -> Vec<Selector> {
    list.split(',').filter_map(|name| Selector::parse(rt, name)).collect()
}

impl Projection {
    /// Comma-separated lists as the query string carries them. A blank
    /// list counts as absent. Never fails today (unknown names are
    /// ignored); the `Result` leaves room for a stricter policy.
    pub fn parse(attributes: Option<&str>, excluded: Option<&str>, rt: &'static ResourceTypeDef) -> Result<Projection, ScimError> {
        let given = |list: Option<&str>| list.filter(|l| !l.trim().is_empty()).map(|l| selectors(rt, l));
        Ok(Projection { rt, only: given(attributes), excluded: given(excluded).unwrap_or_default() })
    }

    /// Every attribute that is returned by default.
    pub fn default_for(rt: &'static ResourceTypeDef) -> Projection {
        Projection { rt, only: None, excluded: Vec::new() }
    }

    /// Will a response carry any part of this attribute (canonical name,
    /// URN-qualified for extensions)? Lets the caller skip loading what
    /// would be thrown away, such as a group's members. Unknown names:
    /// `true`, the safe answer.
    pub fn includes(&self, canonical_attr: &str) -> bool {
        match keys::classify(self.rt, canonical_attr) {
            Key::Attr(r) => match r.sub {
                Some(sub) => self.wanted(r.home, r.attr, Some(sub)),
                None => self.any_part_wanted(r.home, r.attr),
            },
            Key::Container(home, schema) => schema.attributes.iter().any(|a| self.any_part_wanted(home, a)),
            Key::Schemas | Key::Unknown => true,
        }
    }

    /// Remove from a full representation what this projection leaves out,
    /// and drop from `schemas` the extensions that no longer carry data.
    pub fn apply(&self, resource: &mut Value) {
        let Value::Object(obj) = resource else { return };
        // In place: rebuilding every map cost a hash and a move per key.
        obj.retain(|key, value| match keys::classify(self.rt, key) {
            Key::Schemas => true,
            Key::Attr(r) if r.sub.is_none() => self.keep_attr(r.home, r.attr, value),
            Key::Container(home @ AttrHome::Extension(_), schema) => match value {
                Value::Object(attrs) => {
                    attrs.retain(|name, v| match keys::in_schema(self.rt, home, schema, name) {
                        Some(r) if r.sub.is_none() => self.keep_attr(home, r.attr, v),
                        _ => self.unknown_wanted(),
                    });
                    !attrs.is_empty()
                }
                _ => self.unknown_wanted(),
            },
            _ => self.unknown_wanted(),
        });
        self.prune_schemas(obj);
    }

    /// Keys the schema does not define only pass when no `attributes` list
    /// restricts the response to named ones.
    fn unknown_wanted(&self) -> bool {
        self.only.is_none()
    }

    fn wanted(&self, home: AttrHome, attr: &AttrDef, sub: Option<&AttrDef>) -> bool {
        if attr.returned == Returned::Never || sub.is_some_and(|s| s.returned == Returned::Never) {
            return false;
        }
        if attr.returned == Returned::Always && !sub.is_some_and(|s| s.returned == Returned::Request) {
            return true;
        }
        let included = match &self.only {
            Some(list) => list.iter().any(|s| s.selects(home, attr, sub)),
            None => attr.returned != Returned::Request && !sub.is_some_and(|s| s.returned == Returned::Request),
        };
        included && !self.excluded.iter().any(|s| s.excludes(home, attr, sub))
    }

    /// The default projection: `attributes` and `excludedAttributes` absent.
    pub fn is_default(&self) -> bool {
        self.only.is_none() && self.excluded.is_empty()
    }

    /// Would [`Projection::apply`] leave this top-level member of a stored
    /// document exactly as it is? Judged from its key and its compact JSON
    /// text, so a response can copy the stored text instead of rebuilding
    /// it; only for the default projection, and `false` when unsure (an
    /// empty object or array anywhere in it, which the projection drops).
    /// `schemas` is the caller's to handle: see [`Projection::keeps_schema`].
    pub fn keeps_verbatim(&self, key: &str, json: &str) -> bool {
        let composite = json.starts_with('{') || json.starts_with('[');
        if !self.is_default() || (composite && (json.contains("{}") || json.contains("[]"))) {
            return false;
        }
        let by_default = |r: Returned| matches!(r, Returned::Default | Returned::Always);
        let plain = |a: &AttrDef| by_default(a.returned) && a.sub_attributes.iter().all(|s| by_default(s.returned));
        match keys::classify(self.rt, key) {
            Key::Schemas => false,
            Key::Attr(r) if r.sub.is_none() => plain(r.attr),
            Key::Container(AttrHome::Extension(_), schema) => !json.starts_with('{') || schema.attributes.iter().all(plain),
            _ => true,
        }
    }

    /// Does a response keep `urn` in its `schemas`, given which top-level
    /// keys it has? An extension's URN goes with its data.
    pub fn keeps_schema(&self, urn: &str, has_key: impl Fn(&str) -> bool) -> bool {
        match keys::schema_by_urn(self.rt, urn) {
            Some((AttrHome::Extension(id), _)) => has_key(id),
            _ => true,
        }
    }

    fn any_part_wanted(&self, home: AttrHome, attr: &AttrDef) -> bool {
        self.wanted(home, attr, None) || attr.sub_attributes.iter().any(|s| self.wanted(home, attr, Some(s)))
    }

    /// Trims `value` of `attr` to what is wanted; `false` when nothing is.
    fn keep_attr(&self, home: AttrHome, attr: &AttrDef, value: &mut Value) -> bool {
        match value {
            Value::Object(element) if attr.is_complex() => self.keep_element(home, attr, element),
            Value::Array(items) if attr.is_complex() => {
                items.retain_mut(|item| match item {
                    Value::Object(element) => self.keep_element(home, attr, element),
                    _ => self.wanted(home, attr, None),
                });
                !items.is_empty()
            }
            _ => self.wanted(home, attr, None),
        }
    }

    fn keep_element(&self, home: AttrHome, attr: &AttrDef, element: &mut Map<String, Value>) -> bool {
        element.retain(|name, _| match attr.sub(name) {
            Some(sub) => self.wanted(home, attr, Some(sub)),
            None => self.wanted(home, attr, None),
        });
        !element.is_empty()
    }

    fn prune_schemas(&self, obj: &mut Map<String, Value>) {
        let Some(Value::Array(urns)) = obj.get("schemas") else { return };
        let kept: Vec<Value> =
            urns.iter().filter(|urn| urn.as_str().is_none_or(|u| self.keeps_schema(u, |id| obj.contains_key(id)))).cloned().collect();
        obj.insert("schemas".into(), Value::Array(kept));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ENTERPRISE_USER_SCHEMA, GROUP_TYPE, SEAT_SCHEMA, USER_SCHEMA, USER_TYPE};
    use serde_json::json;

    fn full_user() -> Value {
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, SEAT_SCHEMA],
            "id": "u1",
            "externalId": "e1",
            "userName": "ann",
            "name": {"givenName": "Ann", "familyName": "Lee"},
            "active": true,
            "password": "should never be here",
            "emails": [{"value": "a@x.io", "type": "work", "primary": true}, {"value": "b@x.io", "type": "home"}],
            "groups": [{"value": "g1", "display": "Eng"}],
            ENTERPRISE_USER_SCHEMA: {"department": "Ops", "manager": {"value": "m1", "displayName": "Boss"}},
            SEAT_SCHEMA: {"seat": {"status": "assigned"}},
            "meta": {"resourceType": "User", "location": "https://x/Users/u1"}
        })
    }

    fn project(attributes: Option<&str>, excluded: Option<&str>) -> Value {
        let mut user = full_user();
        Projection::parse(attributes, excluded, &USER_TYPE).unwrap().apply(&mut user);
        user
    }

    fn keys_of(v: &Value) -> Vec<&str> {
        v.as_object().unwrap().keys().map(String::as_str).collect()
    }

    #[test]
    fn default_returns_everything_but_never_attributes() {
        let mut expected = full_user();
        expected.as_object_mut().unwrap().remove("password");
        assert_eq!(project(None, None), expected);
        assert_eq!(project(Some(" "), Some("")), expected);
    }

    #[test]
    fn attributes_keep_only_those_plus_id_and_schemas() {
        let got = project(Some("userName, ACTIVE"), None);
        assert_eq!(got, json!({"schemas": [USER_SCHEMA], "id": "u1", "userName": "ann", "active": true}));
        let got = project(Some("password,id"), None);
        assert_eq!(keys_of(&got), ["schemas", "id"]);
    }

    #[test]
    fn sub_attribute_selection() {
        let got = project(Some("name.givenName,emails.value"), None);
        assert_eq!(got["name"], json!({"givenName": "Ann"}));
        assert_eq!(got["emails"], json!([{"value": "a@x.io"}, {"value": "b@x.io"}]));
        let got = project(Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"), None);
        assert_eq!(
            got,
            json!({"schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "id": "u1", ENTERPRISE_USER_SCHEMA: {"manager": {"value": "m1"}}})
        );
    }

    #[test]
    fn extension_urn_alone_is_the_whole_extension() {
        let got = project(Some(ENTERPRISE_USER_SCHEMA), None);
        assert_eq!(keys_of(&got), ["schemas", "id", ENTERPRISE_USER_SCHEMA]);
        assert_eq!(got[ENTERPRISE_USER_SCHEMA], full_user()[ENTERPRISE_USER_SCHEMA]);
        let got = project(None, Some(&format!("{SEAT_SCHEMA},{ENTERPRISE_USER_SCHEMA}:department")));
        assert!(got.get(SEAT_SCHEMA).is_none());
        assert_eq!(got["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
        assert_eq!(got[ENTERPRISE_USER_SCHEMA], json!({"manager": {"value": "m1", "displayName": "Boss"}}));
    }

    #[test]
    fn excluded_attributes_cannot_remove_id() {
        let got = project(None, Some("id,emails,name.familyName,meta,groups"));
        assert_eq!(got["id"], "u1");
        assert!(got.get("emails").is_none() && got.get("meta").is_none() && got.get("groups").is_none());
        assert_eq!(got["name"], json!({"givenName": "Ann"}));
        assert_eq!(got["userName"], "ann");
    }

    #[test]
    fn urn_qualified_core_names_and_unknown_names() {
        let got = project(Some("urn:ietf:params:scim:schemas:core:2.0:User:userName,nonsense,name.nonsense"), None);
        assert_eq!(keys_of(&got), ["schemas", "id", "userName"]);
        assert_eq!(project(None, Some("nonsense")), project(None, None));
    }

    #[test]
    fn attributes_and_excluded_together() {
        let got = project(Some("emails,userName"), Some("emails.type"));
        assert_eq!(got["emails"], json!([{"value": "a@x.io", "primary": true}, {"value": "b@x.io"}]));
    }

    #[test]
    fn includes_answers_what_apply_would_keep() {
        let p = |a: Option<&str>, e: Option<&str>| Projection::parse(a, e, &GROUP_TYPE).unwrap();
        assert!(p(None, None).includes("members"));
        assert!(!p(None, Some("members")).includes("members"));
        assert!(!p(Some("displayName"), None).includes("members"));
        assert!(p(Some("members.value"), None).includes("members"));
        assert!(p(None, Some("members.display")).includes("members"));
        assert!(p(Some("displayName"), None).includes("id"));
        assert!(p(None, None).includes("whatever"));
        let u = |a: Option<&str>, e: Option<&str>| Projection::parse(a, e, &USER_TYPE).unwrap();
        assert!(!u(Some("userName"), None).includes("groups"));
        assert!(!u(None, None).includes("password"));
        assert!(u(Some(SEAT_SCHEMA), None).includes(SEAT_SCHEMA));
        assert!(!u(None, Some(SEAT_SCHEMA)).includes(&format!("{SEAT_SCHEMA}:seat")));
    }

    #[test]
    fn group_members_excluded_for_entra() {
        let mut g = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1", "displayName": "Eng",
            "members": [{"value": "u1", "display": "Ann"}], "meta": {"resourceType": "Group"}});
        Projection::parse(None, Some("members"), &GROUP_TYPE).unwrap().apply(&mut g);
        assert_eq!(keys_of(&g), ["schemas", "id", "displayName", "meta"]);
    }

    const NAMES: &[&str] = &[
        "userName",
        "name",
        "name.givenName",
        "emails",
        "emails.value",
        "emails.type",
        "id",
        "meta",
        "groups",
        "password",
        ENTERPRISE_USER_SCHEMA,
        SEAT_SCHEMA,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        "bogus",
    ];

    proptest::proptest! {
        #[test]
        fn apply_is_idempotent_and_keeps_id(
            only in proptest::option::of(proptest::sample::subsequence(NAMES, 0..5)),
            excluded in proptest::sample::subsequence(NAMES, 0..5),
        ) {
            let only = only.map(|l| l.join(","));
            let p = Projection::parse(only.as_deref(), Some(&excluded.join(",")), &USER_TYPE).unwrap();
            let mut once = full_user();
            p.apply(&mut once);
            let mut twice = once.clone();
            p.apply(&mut twice);
            proptest::prop_assert_eq!(&once, &twice);
            proptest::prop_assert_eq!(&once["id"], &json!("u1"));
            proptest::prop_assert!(once.get("password").is_none());
            proptest::prop_assert_eq!(p.includes("groups"), once.get("groups").is_some());
        }
    }

    #[test]
    fn non_objects_are_left_alone() {
        let mut v = json!(["x"]);
        Projection::parse(Some("userName"), None, &USER_TYPE).unwrap().apply(&mut v);
        assert_eq!(v, json!(["x"]));
    }
}
