//! SCIM Groups. Members live in their own table: a member PATCH touches
//! only the members it names, so a group of 100 000 takes it in
//! milliseconds, and `excludedAttributes=members` never loads them.

use lanyard_scim::ScimError;
use lanyard_scim::filter::element_matches;
use lanyard_scim::list::{ListParams, list_response};
use lanyard_scim::patch::{self, MemberOp};
use lanyard_scim::projection::Projection;
use lanyard_scim::resource;
use lanyard_scim::schema::GROUP_TYPE;
use std::collections::HashSet;

use lanyard_store::{GroupRow, MemberRef, MemberRow, MemberType, StoreTx};
use serde_json::{Value, json};

use crate::render::{etag, group_json};
use crate::resources::{Written, check_if_match};
use crate::{Caller, Lanyard, audit, events, now, retry_busy, scim_error};

/// Takes `members` out of a canonical group document: their ids.
fn take_member_ids(doc: &mut Value) -> Result<Option<Vec<String>>, ScimError> {
    let Some(members) = doc.as_object_mut().and_then(|o| o.remove("members")) else {
        return Ok(None);
    };
    let list = members.as_array().cloned().unwrap_or_default();
    list.iter()
        .map(|m| {
            m.get("value")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| ScimError::invalid_value("members: each member needs a string \"value\""))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn display_name(doc: &Value) -> Result<String, ScimError> {
    doc.get("displayName")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
        .ok_or_else(|| ScimError::invalid_value("displayName is required"))
}

fn mentions_members(body: &Value) -> bool {
    body.as_object().is_some_and(|o| o.keys().any(|k| k.eq_ignore_ascii_case("members")))
}

/// Every id must be a user or group of this tenant: an unknown id is the
/// client's mistake (400), never a 500 that Entra would retry forever.
async fn resolve_members(tx: &mut dyn StoreTx, group_id: &str, ids: &[String]) -> Result<Vec<MemberRef>, ScimError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut unique: Vec<String> = ids.to_vec();
    unique.sort();
    unique.dedup();
    let found = tx.resolve_member_ids(&unique).await.map_err(scim_error)?;
    let missing: Vec<&String> = unique.iter().filter(|id| !found.iter().any(|f| &f.id == *id)).collect();
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(10).map(|s| s.as_str()).collect();
        return Err(ScimError::invalid_value(format!("members: no such user or group: {}", shown.join(", "))));
    }
    if found.iter().any(|m| m.id == group_id) {
        return Err(ScimError::invalid_value("members: a group cannot be a member of itself"));
    }
    Ok(found)
}

/// Members that an operation added or removed, in the order it happened.
#[derive(Default)]
struct MemberChanges(Vec<(&'static str, MemberRef)>);

impl MemberChanges {
    fn added(&mut self, refs: impl IntoIterator<Item = MemberRef>) {
        self.0.extend(refs.into_iter().map(|m| ("group.member_added", m)));
    }
    fn removed(&mut self, refs: impl IntoIterator<Item = MemberRef>) {
        self.0.extend(refs.into_iter().map(|m| ("group.member_removed", m)));
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// One event per member added or removed.
    async fn record(&self, tx: &mut dyn StoreTx, now: i64, group: &GroupRow) -> Result<(), ScimError> {
        for (kind, member) in &self.0 {
            member_event(tx, now, kind, (&group.id, &group.display_name), member).await?;
        }
        Ok(())
    }
}

/// `group.member_added` / `group.member_removed` of one member.
pub(crate) async fn member_event(
    tx: &mut dyn StoreTx,
    now: i64,
    kind: &str,
    (group_id, group_name): (&str, &str),
    member: &MemberRef,
) -> Result<(), ScimError> {
    let data = json!({
        "group": { "id": group_id, "displayName": group_name },
        "member": { "value": member.id, "type": member.kind.as_str() },
    });
    events::record(tx, now, kind, ("Group", group_id), data).await.map_err(scim_error)
}

/// A deleted user leaves each of its groups.
pub(crate) async fn user_left_groups(
    tx: &mut dyn StoreTx,
    now: i64,
    user_id: &str,
    groups: &[lanyard_store::UserGroupRef],
) -> Result<(), ScimError> {
    let member = MemberRef { id: user_id.to_string(), kind: MemberType::User };
    for g in groups {
        member_event(tx, now, "group.member_removed", (&g.group_id, &g.display), &member).await?;
    }
    Ok(())
}

/// The refs not already among `present`, each once.
fn new_refs(refs: &[MemberRef], present: &[MemberRef]) -> Vec<MemberRef> {
    let mut seen: HashSet<&str> = present.iter().map(|m| m.id.as_str()).collect();
    refs.iter().filter(|m| seen.insert(m.id.as_str())).cloned().collect()
}

/// Applies member operations in order; returns who was added and removed.
async fn apply_member_ops(tx: &mut dyn StoreTx, group_id: &str, ops: Vec<MemberOp>) -> Result<MemberChanges, ScimError> {
    let mut changes = MemberChanges::default();
    for op in ops {
        match op {
            MemberOp::Add(ids) => {
                let refs = resolve_members(tx, group_id, &ids).await?;
                let ids: Vec<String> = refs.iter().map(|m| m.id.clone()).collect();
                let present = tx.members_among(group_id, &ids).await.map_err(scim_error)?;
                tx.add_members(group_id, &refs).await.map_err(scim_error)?;
                changes.added(new_refs(&refs, &present));
            }
            MemberOp::Remove(ids) => {
                let present = tx.members_among(group_id, &ids).await.map_err(scim_error)?;
                tx.remove_members(group_id, &ids).await.map_err(scim_error)?;
                changes.removed(present);
            }
            MemberOp::RemoveAll => {
                let present = tx.member_refs(group_id).await.map_err(scim_error)?;
                tx.clear_members(group_id).await.map_err(scim_error)?;
                changes.removed(present);
            }
            MemberOp::ReplaceAll(ids) => {
                let refs = resolve_members(tx, group_id, &ids).await?;
                let present = tx.member_refs(group_id).await.map_err(scim_error)?;
                tx.clear_members(group_id).await.map_err(scim_error)?;
                tx.add_members(group_id, &refs).await.map_err(scim_error)?;
                let kept: HashSet<&str> = refs.iter().map(|m| m.id.as_str()).collect();
                let gone: Vec<MemberRef> = present.iter().filter(|m| !kept.contains(m.id.as_str())).cloned().collect();
                changes.removed(gone);
                changes.added(new_refs(&refs, &present));
            }
            MemberOp::RemoveMatching(filter) => {
                let members_attr = GROUP_TYPE.schema.attr("members").ok_or_else(ScimError::internal)?;
                let refs = tx.member_refs(group_id).await.map_err(scim_error)?;
                let matching: Vec<MemberRef> = refs
                    .into_iter()
                    .filter(|m| element_matches(&filter, &json!({"value": m.id, "type": m.kind.as_str()}), members_attr))
                    .collect();
                let ids: Vec<String> = matching.iter().map(|m| m.id.clone()).collect();
                tx.remove_members(group_id, &ids).await.map_err(scim_error)?;
                changes.removed(matching);
            }
        }
    }
    Ok(changes)
}

impl Lanyard {
    pub async fn create_group(&self, caller: &Caller, body: &Value, projection: &Projection) -> Result<Written, ScimError> {
        retry_busy(|| self.create_group_once(caller, body, projection)).await
    }

    async fn create_group_once(&self, caller: &Caller, body: &Value, projection: &Projection) -> Result<Written, ScimError> {
        let mut doc = resource::normalize(body, &GROUP_TYPE)?;
        let member_ids = take_member_ids(&mut doc)?.unwrap_or_default();
        let actor = caller.actor();
        let mut tx = self.store.begin(caller.scope).await.map_err(scim_error)?;
        let now = now();
        let mut row = GroupRow {
            id: uuid::Uuid::new_v4().to_string(),
            display_name: display_name(&doc)?,
            external_id: doc.get("externalId").and_then(Value::as_str).map(str::to_string),
            doc,
            version: 1,
            created_at: now,
            modified_at: now,
            member_count: 0,
        };
        tx.insert_group(&row).await.map_err(scim_error)?;
        let refs = resolve_members(tx.as_mut(), &row.id, &member_ids).await?;
        row.member_count = tx.add_members(&row.id, &refs).await.map_err(scim_error)? as i64;
        let data = events::change(group_json(&row, None, &caller.base_url), &Value::Null, &row.doc);
        events::record(tx.as_mut(), now, "group.created", ("Group", &row.id), data).await.map_err(scim_error)?;
        let mut initial = MemberChanges::default();
        initial.added(new_refs(&refs, &[]));
        initial.record(tx.as_mut(), now, &row).await?;
        audit::record(
            tx.as_mut(),
            now,
            &actor,
            "group.created",
            Some(("Group", &row.id)),
            json!({ "displayName": row.display_name, "members": refs.len() }),
        )
        .await
        .map_err(scim_error)?;
        self.commit(tx).await.map_err(scim_error)?;
        self.written_group(caller, row, projection).await
    }

    pub async fn get_group(&self, caller: &Caller, id: &str, projection: &Projection) -> Result<Written, ScimError> {
        let row = self.store.group(caller.scope, id).await.map_err(scim_error)?.ok_or_else(group_not_found)?;
        self.written_group(caller, row, projection).await
    }

    pub async fn replace_group(
        &self,
        caller: &Caller,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
        projection: &Projection,
    ) -> Result<Written, ScimError> {
        retry_busy(|| self.replace_group_once(caller, id, body, if_match, projection)).await
    }

    async fn replace_group_once(
        &self,
        caller: &Caller,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
        projection: &Projection,
    ) -> Result<Written, ScimError> {
        let mut doc = resource::normalize(body, &GROUP_TYPE)?;
        let member_ids = take_member_ids(&mut doc)?;
        // PUT replaces members only when it speaks of them (`[]` clears); a
        // rename by PUT that leaves members out must not empty the group.
        let member_ops = match member_ids {
            Some(ids) => vec![MemberOp::ReplaceAll(ids)],
            None if mentions_members(body) => vec![MemberOp::RemoveAll],
            None => Vec::new(),
        };
        self.modify_group(caller, id, if_match, member_ops, move |old| {
            resource::immutable_violations(&old.doc, &doc, &GROUP_TYPE)?;
            Ok(doc)
        })
        .await?;
        self.get_group(caller, id, projection).await
    }

    /// PATCH answers 204 unless the client asked for a representation with
    /// `attributes`/`excludedAttributes` (RFC 7644 §3.5.2 allows either):
    /// Entra expects 204 for groups, Okta and JumpCloud accept it, and a
    /// group of 100 000 members is not re-read for every member change.
    pub async fn patch_group(
        &self,
        caller: &Caller,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
        projection: Option<&Projection>,
    ) -> Result<Option<Written>, ScimError> {
        retry_busy(|| self.patch_group_once(caller, id, body, if_match, projection)).await
    }

    async fn patch_group_once(
        &self,
        caller: &Caller,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
        projection: Option<&Projection>,
    ) -> Result<Option<Written>, ScimError> {
        let ops = patch::parse_patch_request(body, &GROUP_TYPE)?;
        let (ops, member_ops) = patch::split_member_ops(ops)?;
        self.modify_group(caller, id, if_match, member_ops, move |old| {
            let mut doc = old.doc.clone();
            patch::apply(&mut doc, &ops, &GROUP_TYPE)?;
            resource::normalize(&doc, &GROUP_TYPE)
        })
        .await?;
        match projection {
            Some(p) => Ok(Some(self.get_group(caller, id, p).await?)),
            None => Ok(None),
        }
    }

    async fn modify_group(
        &self,
        caller: &Caller,
        id: &str,
        if_match: Option<&str>,
        member_ops: Vec<MemberOp>,
        change: impl FnOnce(&GroupRow) -> Result<Value, ScimError>,
    ) -> Result<(), ScimError> {
        let actor = caller.actor();
        let mut tx = self.store.begin(caller.scope).await.map_err(scim_error)?;
        let mut row = tx.group(id).await.map_err(scim_error)?.ok_or_else(group_not_found)?;
        check_if_match(if_match, row.version)?;
        let mut doc = change(&row)?;
        if let Some(o) = doc.as_object_mut() {
            o.remove("members");
        }
        let doc_changed = doc != row.doc;
        let member_changes = apply_member_ops(tx.as_mut(), id, member_ops).await?;
        let members_changed = !member_changes.is_empty();
        if !doc_changed && !members_changed {
            return Ok(());
        }
        let now = now();
        let old_name = std::mem::replace(&mut row.display_name, display_name(&doc)?);
        row.external_id = doc.get("externalId").and_then(Value::as_str).map(str::to_string);
        let old_doc = std::mem::replace(&mut row.doc, doc);
        row.version += 1;
        row.modified_at = now;
        tx.update_group(&row).await.map_err(scim_error)?;
        let mut data = events::change(group_json(&row, None, &caller.base_url), &old_doc, &row.doc);
        if let (true, Some(changed)) = (members_changed, data["changed"].as_array_mut()) {
            changed.push(json!("members"));
        }
        events::record(tx.as_mut(), now, "group.updated", ("Group", id), data).await.map_err(scim_error)?;
        member_changes.record(tx.as_mut(), now, &row).await?;
        let detail = json!({ "displayName": row.display_name, "renamedFrom": (old_name != row.display_name).then_some(old_name), "membersChanged": members_changed });
        audit::record(tx.as_mut(), now, &actor, "group.updated", Some(("Group", id)), detail).await.map_err(scim_error)?;
        self.commit(tx).await.map_err(scim_error)
    }

    pub async fn delete_group(&self, caller: &Caller, id: &str, if_match: Option<&str>) -> Result<(), ScimError> {
        retry_busy(|| self.delete_group_once(caller, id, if_match)).await
    }

    async fn delete_group_once(&self, caller: &Caller, id: &str, if_match: Option<&str>) -> Result<(), ScimError> {
        let actor = caller.actor();
        let mut tx = self.store.begin(caller.scope).await.map_err(scim_error)?;
        let row = tx.group(id).await.map_err(scim_error)?.ok_or_else(group_not_found)?;
        check_if_match(if_match, row.version)?;
        tx.delete_group(id).await.map_err(scim_error)?;
        let data = json!({ "resource": group_json(&row, None, &caller.base_url) });
        events::record(tx.as_mut(), now(), "group.deleted", ("Group", id), data).await.map_err(scim_error)?;
        audit::record(tx.as_mut(), now(), &actor, "group.deleted", Some(("Group", id)), json!({ "displayName": row.display_name }))
            .await
            .map_err(scim_error)?;
        self.commit(tx).await.map_err(scim_error)
    }

    pub async fn list_groups(&self, caller: &Caller, params: &ListParams) -> Result<Value, ScimError> {
        let (query, projection) = self.list_query(params, &GROUP_TYPE)?;
        let page = self.store.list_groups(caller.scope, &query).await.map_err(scim_error)?;
        let resources = self.render_groups(caller, &page.items, &projection).await?;
        Ok(list_response(page.total, params.start_index, resources))
    }

    pub(crate) async fn render_groups(&self, caller: &Caller, rows: &[GroupRow], projection: &Projection) -> Result<Vec<Value>, ScimError> {
        let load = projection.includes("members") && rows.iter().any(|r| r.member_count > 0);
        let members = if load {
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            self.store.members_of_groups(caller.scope, &ids).await.map_err(scim_error)?
        } else {
            Vec::new()
        };
        Ok(rows
            .iter()
            .map(|row| {
                let mine: Vec<&MemberRow> = members.iter().filter(|m| m.group_id == row.id).collect();
                let mut json = group_json(row, Some(&mine), &caller.base_url);
                projection.apply(&mut json);
                json
            })
            .collect())
    }

    async fn written_group(&self, caller: &Caller, row: GroupRow, projection: &Projection) -> Result<Written, ScimError> {
        let etag = etag(row.version);
        let location = format!("{}/Groups/{}", caller.base_url, row.id);
        let resource = self.render_groups(caller, std::slice::from_ref(&row), projection).await?.pop().ok_or_else(ScimError::internal)?;
        Ok(Written { resource, etag, location })
    }
}

fn group_not_found() -> ScimError {
    ScimError::not_found("Group not found")
}
