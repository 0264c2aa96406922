//! A client's User or Group body turned into Lanyard's canonical resource
//! document: the one shape that is stored, compared, filtered and returned.
//!
//! Canonical means: core attributes at the root and extension attributes
//! under their extension's URN, every name in the exact case of
//! [`crate::schema`], attributes and sub-attributes in schema order,
//! read-only and unknown attributes gone, `null`/`[]`/`{}` gone, values of
//! the declared type, and `schemas` listing the core URN plus the
//! extensions that carry data. `password` (write-only) stays here; the
//! domain discards it before storing.

mod immutable;
pub(crate) mod keys;
mod values;

use serde_json::{Map, Value};

pub use immutable::immutable_violations;
pub(crate) use values::{expected, scalar_value, wrong_type};

use crate::ScimError;
use crate::schema::{AttrDef, AttrHome, COMMON_ATTRIBUTES, Mutability, ResolvedAttr, ResourceTypeDef, SchemaDef};
use keys::Key;

/// Validate and canonicalise a POST or PUT body, or a resource after PATCH.
pub fn normalize(input: &Value, rt: &'static ResourceTypeDef) -> Result<Value, ScimError> {
    let Value::Object(body) = input else {
        return Err(ScimError::invalid_syntax(format!("A {} must be a JSON object", rt.name)));
    };
    check_schemas(body, rt)?;
    let mut draft = Draft::default();
    for (key, value) in body {
        match keys::classify(rt, key) {
            Key::Schemas | Key::Unknown => {}
            Key::Attr(path) => draft.absorb(path, value)?,
            Key::Container(home, schema) => draft.absorb_container(rt, home, schema, key, value)?,
        }
    }
    draft.finish(rt)
}

/// `schemas` may be absent; when present it is an array of strings that
/// names the core schema (or an alias). Other URIs, such as the one Entra
/// adds to groups, are ignored.
fn check_schemas(body: &Map<String, Value>, rt: &'static ResourceTypeDef) -> Result<(), ScimError> {
    let Some((_, value)) = body.iter().find(|(k, _)| k.eq_ignore_ascii_case("schemas")) else {
        return Ok(());
    };
    let items = match value {
        Value::Null => return Ok(()),
        Value::Array(items) => items,
        _ => return Err(ScimError::invalid_syntax("\"schemas\" must be an array of schema URIs")),
    };
    let mut names_core = items.is_empty();
    for item in items {
        let urn = item.as_str().ok_or_else(|| ScimError::invalid_syntax("\"schemas\" must be an array of strings"))?;
        names_core |= matches!(keys::schema_by_urn(rt, urn), Some((AttrHome::Core, _)));
    }
    if names_core { Ok(()) } else { Err(ScimError::invalid_syntax(format!("\"schemas\" must include {}", rt.schema.id))) }
}

/// Attribute values collected from the body, before ordering.
#[derive(Default)]
struct Draft {
    slots: Vec<Slot>,
}

struct Slot {
    home: AttrHome,
    attr: &'static AttrDef,
    value: Value,
}

impl Draft {
    fn absorb(&mut self, path: ResolvedAttr, raw: &Value) -> Result<(), ScimError> {
        if path.attr.mutability == Mutability::ReadOnly {
            return Ok(());
        }
        let name = path.canonical_name();
        match path.sub {
            None => {
                let value = values::attribute(path.attr, raw, &name)?;
                self.put(path.home, path.attr, value);
            }
            // `"name.givenName": ".."` as a key. On a multi-valued attribute
            // it would not say which element: ignored.
            Some(sub) if !path.attr.multi_valued && sub.mutability != Mutability::ReadOnly => {
                let value = values::attribute(sub, raw, &name)?;
                let mut obj = Map::new();
                if let Some(v) = value {
                    obj.insert(sub.name.into(), v);
                }
                self.merge_sub(path.home, path.attr, sub, obj);
            }
            Some(_) => {}
        }
        Ok(())
    }

    fn absorb_container(
        &mut self,
        rt: &'static ResourceTypeDef,
        home: AttrHome,
        schema: &'static SchemaDef,
        key: &str,
        raw: &Value,
    ) -> Result<(), ScimError> {
        // A read-only extension (Lanyard's seat) is ignored whatever it holds.
        if schema.attributes.iter().all(|a| a.mutability == Mutability::ReadOnly) {
            return Ok(());
        }
        let obj = match raw {
            Value::Null => return Ok(()),
            Value::Object(obj) => obj,
            _ => return Err(ScimError::invalid_value(format!("{key}: expected an object of attributes"))),
        };
        for (name, value) in obj {
            if let Some(path) = keys::in_schema(rt, home, schema, name) {
                self.absorb(path, value)?;
            }
        }
        Ok(())
    }

    fn position(&self, home: AttrHome, attr: &AttrDef) -> Option<usize> {
        self.slots.iter().position(|s| s.home == home && s.attr.name == attr.name)
    }

    /// A later value replaces an earlier one; a single-valued complex value
    /// is merged into an earlier one, sub-attribute by sub-attribute.
    fn put(&mut self, home: AttrHome, attr: &'static AttrDef, value: Option<Value>) {
        let at = self.position(home, attr);
        match (at, value) {
            (Some(i), None) => {
                self.slots.remove(i);
            }
            (Some(i), Some(Value::Object(new))) if attr.is_complex() && !attr.multi_valued => {
                if let Value::Object(old) = &mut self.slots[i].value {
                    old.extend(new);
                    reorder_subs(attr, old);
                }
            }
            (Some(i), Some(v)) => self.slots[i].value = v,
            (None, Some(value)) => self.slots.push(Slot { home, attr, value }),
            (None, None) => {}
        }
    }

    /// Set (or, with an empty `obj`, clear) one sub-attribute.
    fn merge_sub(&mut self, home: AttrHome, attr: &'static AttrDef, sub: &AttrDef, obj: Map<String, Value>) {
        match self.position(home, attr) {
            Some(i) => {
                if let Value::Object(old) = &mut self.slots[i].value {
                    old.remove(sub.name);
                    old.extend(obj);
                    reorder_subs(attr, old);
                    if old.is_empty() {
                        self.slots.remove(i);
                    }
                }
            }
            None if !obj.is_empty() => self.slots.push(Slot { home, attr, value: Value::Object(obj) }),
            None => {}
        }
    }

    fn take(&mut self, home: AttrHome, attr: &AttrDef) -> Option<Value> {
        self.position(home, attr).map(|i| self.slots.remove(i).value)
    }

    /// The canonical document, in schema order, after the required checks.
    fn finish(mut self, rt: &'static ResourceTypeDef) -> Result<Value, ScimError> {
        let mut schemas = vec![Value::String(rt.schema.id.into())];
        let mut out = Map::new();
        out.insert("schemas".into(), Value::Null);
        for attr in COMMON_ATTRIBUTES.iter().chain(rt.schema.attributes) {
            if let Some(v) = self.take(AttrHome::Core, attr) {
                out.insert(attr.name.into(), v);
            }
        }
        check_required(rt.schema, &out, "")?;
        for (ext, _) in rt.extensions {
            let home = AttrHome::Extension(ext.id);
            let mut attrs = Map::new();
            for attr in ext.attributes {
                if let Some(v) = self.take(home, attr) {
                    attrs.insert(attr.name.into(), v);
                }
            }
            if !attrs.is_empty() {
                check_required(ext, &attrs, &format!("{}:", ext.id))?;
                schemas.push(Value::String(ext.id.into()));
                out.insert(ext.id.into(), Value::Object(attrs));
            }
        }
        out.insert("schemas".into(), Value::Array(schemas));
        Ok(Value::Object(out))
    }
}

fn reorder_subs(attr: &AttrDef, obj: &mut Map<String, Value>) {
    let mut sorted = Map::new();
    for sub in attr.sub_attributes {
        if let Some(v) = obj.remove(sub.name) {
            sorted.insert(sub.name.into(), v);
        }
    }
    *obj = sorted;
}

/// Required attributes a client can write must be present and, when they
/// are strings, not blank: an empty `userName` identifies nobody.
fn check_required(schema: &SchemaDef, attrs: &Map<String, Value>, prefix: &str) -> Result<(), ScimError> {
    for attr in schema.attributes.iter().filter(|a| a.required && a.mutability != Mutability::ReadOnly) {
        let ok = match attrs.get(attr.name) {
            None => false,
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(_) => true,
        };
        if !ok {
            return Err(ScimError::invalid_value(format!("{prefix}{} is required and must not be empty", attr.name)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
