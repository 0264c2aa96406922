//! Audit events: who changed what, when.

use lanyard_store::{NewAuditEvent, StoreResult, StoreTx};
use serde_json::Value;

pub(crate) async fn record(
    tx: &mut dyn StoreTx,
    at: i64,
    actor: &str,
    action: &str,
    resource: Option<(&str, &str)>,
    detail: Value,
) -> StoreResult<()> {
    let event = NewAuditEvent {
        at,
        actor: actor.to_string(),
        action: action.to_string(),
        resource_type: resource.map(|(t, _)| t.to_string()),
        resource_id: resource.map(|(_, id)| id.to_string()),
        detail,
    };
    tx.insert_audit(&event).await
}
