//! The event feed for the application behind Lanyard: every change is
//! written to the outbox in the transaction of the change, with the
//! resource as it now is and what changed.

use lanyard_scim::time::format_micros;
use lanyard_store::{Event, NewEvent, StoreResult, StoreTx};
use serde_json::{Value, json};

/// Every event type the feed and webhooks carry.
pub const EVENT_TYPES: &[&str] = &[
    "user.created",
    "user.updated",
    "user.suspended",
    "user.reactivated",
    "user.deleted",
    "group.created",
    "group.updated",
    "group.deleted",
    "group.member_added",
    "group.member_removed",
    "seat.assigned",
    "seat.released",
    "sso.signed_in",
];

/// An event as the application sees it, in the feed and in a webhook
/// delivery's body: `{id, type, tenant, at, resource, data}`.
pub fn event_body(e: &Event) -> Value {
    json!({
        "id": crate::webhooks::event_id(e.position.id),
        "type": e.event.kind,
        "tenant": e.tenant,
        "at": format_micros(e.event.at),
        "resource": { "type": e.event.resource_type, "id": e.event.resource_id },
        "data": e.event.data,
    })
}

pub(crate) async fn record(tx: &mut dyn StoreTx, at: i64, kind: &str, resource: (&str, &str), data: Value) -> StoreResult<()> {
    record_change(tx, at, kind, resource, data).await.map(drop)
}

/// [`record`] of a [`change`], handing back its `resource` (the store
/// only serialises the event) so the caller need not render it twice.
pub(crate) async fn record_change(
    tx: &mut dyn StoreTx,
    at: i64,
    kind: &str,
    resource: (&str, &str),
    data: Value,
) -> StoreResult<Option<Value>> {
    let mut event = NewEvent {
        at,
        kind: kind.to_string(),
        resource_type: Some(resource.0.to_string()),
        resource_id: Some(resource.1.to_string()),
        data,
    };
    tx.insert_event(&event).await?;
    Ok(event.data.get_mut("resource").map(Value::take))
}

/// `{"resource": …, "changed": [attribute names]}` for a resource whose
/// stored document went from `old` to `new` (`Null` when created).
pub(crate) fn change(resource: Value, old: &Value, new: &Value) -> Value {
    // Not `json!`: it would copy `resource` through `to_value`.
    let mut data = serde_json::Map::with_capacity(2);
    data.insert("resource".into(), resource);
    data.insert("changed".into(), changed_attributes(old, new).into());
    Value::Object(data)
}

/// Top-level attributes (and attributes of extensions, as `urn:…:name`)
/// whose value differs between two documents, in the order of `new` then
/// the removed ones.
pub(crate) fn changed_attributes(old: &Value, new: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let (old, new) = (old.as_object().unwrap_or(&empty), new.as_object().unwrap_or(&empty));
    let mut changed = Vec::new();
    for key in new.keys().chain(old.keys().filter(|k| !new.contains_key(*k))) {
        if key == "schemas" || old.get(key) == new.get(key) {
            continue;
        }
        match (key.starts_with("urn:"), old.get(key), new.get(key)) {
            (true, before, after) => {
                let names = changed_attributes(before.unwrap_or(&Value::Null), after.unwrap_or(&Value::Null));
                changed.extend(names.into_iter().map(|n| format!("{key}:{n}")));
            }
            _ => changed.push(key.clone()),
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_changed_added_and_removed_attributes_and_extension_attributes() {
        let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let old = json!({"schemas": ["a"], "userName": "a", "title": "T", "nickName": "n", ext: {"department": "D", "costCenter": "1"}});
        let new = json!({"schemas": ["b"], "userName": "a", "title": "U", "active": true, ext: {"department": "E", "costCenter": "1"}});
        assert_eq!(
            changed_attributes(&old, &new),
            vec!["title".to_string(), "active".into(), format!("{ext}:department"), "nickName".into()]
        );
        assert_eq!(changed_attributes(&Value::Null, &json!({"userName": "a"})), vec!["userName".to_string()]);
    }
}
