//! SCIM Users: create, read, replace, patch, delete, list.

use std::collections::HashMap;

use lanyard_scim::ScimError;
use lanyard_scim::filter::Filter;
use lanyard_scim::list::{ListParams, list_response, open_list_response};
use lanyard_scim::patch;
use lanyard_scim::projection::Projection;
use lanyard_scim::resource;
use lanyard_scim::schema::USER_TYPE;
use lanyard_store::{EmailIndex, ListQuery, SeatState, UserDoc, UserGroupRef, UserRow};
use serde_json::{Value, json};

use crate::render::{etag, user_json, user_json_owned};
use crate::resources::{Written, WrittenJson, check_if_match, sort_attr};
use crate::seats::Seats;
use crate::{Caller, Lanyard, audit, events, now, retry_busy, scim_error};

/// The columns of a user, read from its canonical SCIM document.
struct UserFields {
    user_name: String,
    external_id: Option<String>,
    display_name: Option<String>,
    active: bool,
    emails: Vec<EmailIndex>,
}

fn str_at<'a>(doc: &'a Value, key: &str) -> Option<&'a str> {
    doc.get(key).and_then(Value::as_str)
}

/// Strips what is never stored (`password`: Lanyard does not authenticate
/// end users itself, they sign in through their identity provider) and
/// fills `active` when the client did not say (a provisioned user is active).
fn prepare_doc(doc: &mut Value, active_default: bool) -> Result<UserFields, ScimError> {
    let obj = doc.as_object_mut().ok_or_else(|| ScimError::invalid_syntax("a User must be a JSON object"))?;
    obj.remove("password");
    let active = match obj.get("active").and_then(Value::as_bool) {
        Some(a) => a,
        None => {
            obj.insert("active".into(), Value::Bool(active_default));
            active_default
        }
    };
    let user_name = str_at(doc, "userName")
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ScimError::invalid_value("userName is required"))?
        .to_string();
    let emails = EmailIndex::from_doc(doc);
    Ok(UserFields {
        user_name,
        external_id: str_at(doc, "externalId").map(str::to_string),
        display_name: str_at(doc, "displayName").map(str::to_string),
        active,
        emails,
    })
}

fn set_fields(row: &mut UserRow, f: UserFields) {
    row.user_name = f.user_name;
    row.external_id = f.external_id;
    row.display_name = f.display_name;
    row.active = f.active;
    row.emails = f.emails;
}

/// The row a POST of `body` at `now` stores, before seat rules run: a new
/// id, version 1, no seat. (Also used to seed benchmark databases through
/// `lanyard import`, so they hold exactly what a create would write.)
pub fn new_user_row(body: &Value, now: i64) -> Result<UserRow, ScimError> {
    let mut doc = resource::normalize(body, &USER_TYPE)?;
    let fields = prepare_doc(&mut doc, true)?;
    let mut row = UserRow {
        id: uuid::Uuid::new_v4().to_string(),
        user_name: String::new(),
        external_id: None,
        display_name: None,
        active: false,
        emails: Vec::new(),
        doc,
        password_hash: None,
        version: 1,
        created_at: now,
        modified_at: now,
        seat: SeatState::NONE,
    };
    set_fields(&mut row, fields);
    Ok(row)
}

impl Lanyard {
    pub async fn create_user(&self, caller: &Caller, body: &Value, projection: &Projection) -> Result<Written, ScimError> {
        retry_busy(|| self.create_user_once(caller, body, projection)).await
    }

    async fn create_user_once(&self, caller: &Caller, body: &Value, projection: &Projection) -> Result<Written, ScimError> {
        let mut row = new_user_row(body, 0)?;
        let actor = caller.actor();
        // Times are taken once the write lock is held, so seat queue order
        // (`pendingSince`) is commit order.
        let mut tx = self.store.begin(caller.scope).await.map_err(scim_error)?;
        let now = now();
        (row.created_at, row.modified_at) = (now, now);
        let seat_move = match row.active {
            true => Seats { tx: tx.as_mut(), now, actor: &actor }.activate(&mut row, "user.created").await.map_err(scim_error)?,
            false => None,
        };
        tx.insert_user(&row).await.map_err(scim_error)?;
        // A new user belongs to no group yet.
        let data = events::change(user_json(&row, &[], &caller.base_url), &Value::Null, &row.doc);
        let resource = events::record_change(tx.as_mut(), now, "user.created", ("User", &row.id), data).await.map_err(scim_error)?;
        if let Some(m) = seat_move {
            m.record_event(tx.as_mut(), now, &row).await.map_err(scim_error)?;
        }
        audit::record(
            tx.as_mut(),
            now,
            &actor,
            "user.created",
            Some(("User", &row.id)),
            json!({ "userName": row.user_name, "active": row.active }),
        )
        .await
        .map_err(scim_error)?;
        self.commit(tx).await.map_err(scim_error)?;
        let resource = resource.unwrap_or_else(|| user_json(&row, &[], &caller.base_url));
        Ok(written_as(caller, &row, resource, projection))
    }

    pub async fn get_user(&self, caller: &Caller, id: &str, projection: &Projection) -> Result<Written, ScimError> {
        let row = self.store.user(caller.scope, id).await.map_err(scim_error)?.ok_or_else(user_not_found)?;
        self.written_user(caller, &row, projection).await
    }

    pub async fn replace_user(
        &self,
        caller: &Caller,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
        projection: &Projection,
    ) -> Result<Written, ScimError> {
        retry_busy(|| self.replace_user_once(caller, id, body, if_match, projection)).await
    }

    async fn replace_user_once(
        &self,
        caller: &Caller,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
        projection: &Projection,
    ) -> Result<Written, ScimError> {
        let mut doc = resource::normalize(body, &USER_TYPE)?;
        self.modify_user(caller, id, if_match, projection, move |old| {
            resource::immutable_violations(&old.doc, &doc, &USER_TYPE)?;
            // A PUT that does not mention `active` keeps it: a client that does
            // not manage it must not suspend the user (and free the seat).
            let fields = prepare_doc(&mut doc, old.active)?;
            Ok((doc, fields))
        })
        .await
    }

    pub async fn patch_user(
        &self,
        caller: &Caller,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
        projection: &Projection,
    ) -> Result<Written, ScimError> {
        retry_busy(|| self.patch_user_once(caller, id, body, if_match, projection)).await
    }

    async fn patch_user_once(
        &self,
        caller: &Caller,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
        projection: &Projection,
    ) -> Result<Written, ScimError> {
        let ops = patch::parse_patch_request(body, &USER_TYPE)?;
        self.modify_user(caller, id, if_match, projection, move |old| {
            let mut doc = old.doc.clone();
            patch::apply(&mut doc, &ops, &USER_TYPE)?;
            let mut doc = resource::normalize(&doc, &USER_TYPE)?;
            let fields = prepare_doc(&mut doc, old.active)?;
            Ok((doc, fields))
        })
        .await
    }

    /// Read-modify-write of one user in one transaction: `change` computes
    /// the new document from the stored row; seats follow `active`.
    async fn modify_user(
        &self,
        caller: &Caller,
        id: &str,
        if_match: Option<&str>,
        projection: &Projection,
        change: impl FnOnce(&UserRow) -> Result<(Value, UserFields), ScimError>,
    ) -> Result<Written, ScimError> {
        let actor = caller.actor();
        let mut tx = self.store.begin(caller.scope).await.map_err(scim_error)?;
        // The groups come with the row (one round trip) for the response:
        // a change of the user does not change its groups.
        let (mut row, groups) = tx.user_with_groups(id).await.map_err(scim_error)?.ok_or_else(user_not_found)?;
        check_if_match(if_match, row.version)?;
        let (doc, fields) = change(&row)?;
        let refs: Vec<&UserGroupRef> = groups.iter().collect();
        // The event's resource is the response before projection.
        let mut rendered = None;
        if doc != row.doc {
            let now = now();
            let was_active = row.active;
            let old_doc = std::mem::replace(&mut row.doc, doc);
            set_fields(&mut row, fields);
            row.version += 1;
            row.modified_at = now;
            let (action, seat_move) = match (was_active, row.active) {
                (false, true) => {
                    let mut seats = Seats { tx: tx.as_mut(), now, actor: &actor };
                    ("user.reactivated", seats.activate(&mut row, "user.reactivated").await.map_err(scim_error)?)
                }
                (true, false) => {
                    // A suspended user is signed out of single sign-on at once.
                    tx.end_user_sessions(&row.id).await.map_err(scim_error)?;
                    let mut seats = Seats { tx: tx.as_mut(), now, actor: &actor };
                    ("user.suspended", seats.deactivate(&mut row, "user.suspended").await.map_err(scim_error)?)
                }
                _ => ("user.updated", None),
            };
            tx.update_user(&row).await.map_err(scim_error)?;
            let data = events::change(user_json(&row, &refs, &caller.base_url), &old_doc, &row.doc);
            rendered = events::record_change(tx.as_mut(), now, action, ("User", &row.id), data).await.map_err(scim_error)?;
            if let Some(m) = seat_move {
                m.record_event(tx.as_mut(), now, &row).await.map_err(scim_error)?;
            }
            if seat_move.is_some_and(|m| m.freed_a_seat()) {
                Seats { tx: tx.as_mut(), now, actor: &actor }.fill_free_seats("seat.freed").await.map_err(scim_error)?;
            }
            audit::record(
                tx.as_mut(),
                now,
                &actor,
                action,
                Some(("User", &row.id)),
                json!({ "userName": row.user_name, "active": row.active }),
            )
            .await
            .map_err(scim_error)?;
            self.commit(tx).await.map_err(scim_error)?;
        }
        let resource = rendered.unwrap_or_else(|| user_json(&row, &refs, &caller.base_url));
        Ok(written_as(caller, &row, resource, projection))
    }

    pub async fn delete_user(&self, caller: &Caller, id: &str, if_match: Option<&str>) -> Result<(), ScimError> {
        retry_busy(|| self.delete_user_once(caller, id, if_match)).await
    }

    async fn delete_user_once(&self, caller: &Caller, id: &str, if_match: Option<&str>) -> Result<(), ScimError> {
        let actor = caller.actor();
        let mut tx = self.store.begin(caller.scope).await.map_err(scim_error)?;
        let now = now();
        let (mut row, groups) = tx.user_with_groups(id).await.map_err(scim_error)?.ok_or_else(user_not_found)?;
        check_if_match(if_match, row.version)?;
        let seat_move = Seats { tx: tx.as_mut(), now, actor: &actor }.deactivate(&mut row, "user.deleted").await.map_err(scim_error)?;
        tx.delete_user(id).await.map_err(scim_error)?;
        tx.end_user_sessions(id).await.map_err(scim_error)?;
        crate::groups::user_left_groups(tx.as_mut(), now, id, &groups).await?;
        let data = json!({ "resource": user_json(&row, &[], &caller.base_url) });
        events::record(tx.as_mut(), now, "user.deleted", ("User", id), data).await.map_err(scim_error)?;
        if let Some(m) = seat_move {
            m.record_event(tx.as_mut(), now, &row).await.map_err(scim_error)?;
        }
        if seat_move.is_some_and(|m| m.freed_a_seat()) {
            Seats { tx: tx.as_mut(), now, actor: &actor }.fill_free_seats("seat.freed").await.map_err(scim_error)?;
        }
        audit::record(tx.as_mut(), now, &actor, "user.deleted", Some(("User", id)), json!({ "userName": row.user_name }))
            .await
            .map_err(scim_error)?;
        self.commit(tx).await.map_err(scim_error)?;
        Ok(())
    }

    pub async fn list_users(&self, caller: &Caller, params: &ListParams) -> Result<Value, ScimError> {
        let (query, projection) = self.list_query(params, &USER_TYPE)?;
        self.list_users_rendered(caller, params, &query, &projection).await
    }

    /// The page of `query`, each user rendered the general way.
    async fn list_users_rendered(
        &self,
        caller: &Caller,
        params: &ListParams,
        query: &ListQuery,
        projection: &Projection,
    ) -> Result<Value, ScimError> {
        let page = self.store.list_users(caller.scope, query).await.map_err(scim_error)?;
        let resources = render_users(caller, page.items, &page.user_groups, projection);
        Ok(list_response(page.total, params.start_index, resources))
    }

    /// [`Lanyard::list_users`] as the response body. With the default
    /// projection each user's stored text is copied ([`crate::verbatim`]).
    pub async fn list_users_json(&self, caller: &Caller, params: &ListParams) -> Result<Vec<u8>, ScimError> {
        let (query, projection) = self.list_query(params, &USER_TYPE)?;
        if !projection.is_default() {
            let body = self.list_users_rendered(caller, params, &query, &projection).await?;
            return serde_json::to_vec(&body).map_err(unwritable);
        }
        let page = self.store.list_user_docs(caller.scope, &query).await.map_err(scim_error)?;
        let by_user = groups_by_user(&page.user_groups);
        let mut out = Vec::with_capacity(256 + 1024 * page.items.len());
        open_list_response(&mut out, page.total, params.start_index, page.items.len());
        for (n, user) in page.items.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            let groups = by_user.get(user.id.as_str()).map(Vec::as_slice).unwrap_or_default();
            write_user_json(&mut out, user, groups, &caller.base_url, &projection)?;
        }
        out.extend_from_slice(b"]}");
        Ok(out)
    }

    /// [`Lanyard::get_user`] as the response body. With the default
    /// projection it is one query (the user with its groups) and the
    /// stored text copied ([`crate::verbatim`]).
    pub async fn get_user_json(&self, caller: &Caller, id: &str, projection: &Projection) -> Result<WrittenJson, ScimError> {
        if !projection.is_default() {
            let written = self.get_user(caller, id, projection).await?;
            let body = serde_json::to_vec(&written.resource).map_err(unwritable)?;
            return Ok(WrittenJson { body, etag: written.etag, location: written.location });
        }
        let filter = Filter::id_eq(id, &USER_TYPE).map_err(|_| user_not_found())?;
        // Room for two, so that finding one is a page that is not full: no COUNT.
        let query = ListQuery { filter: Some(filter), limit: 2, include_groups: true, ..ListQuery::default() };
        let page = self.store.list_user_docs(caller.scope, &query).await.map_err(scim_error)?;
        let user = page.items.first().ok_or_else(user_not_found)?;
        let groups: Vec<&UserGroupRef> = page.user_groups.iter().collect();
        let mut body = Vec::with_capacity(1024);
        write_user_json(&mut body, user, &groups, &caller.base_url, projection)?;
        Ok(WrittenJson { body, etag: etag(user.version), location: format!("{}/Users/{}", caller.base_url, user.id) })
    }

    pub(crate) fn list_query(
        &self,
        params: &ListParams,
        rt: &'static lanyard_scim::schema::ResourceTypeDef,
    ) -> Result<(ListQuery, Projection), ScimError> {
        let projection = Projection::parse(params.attributes.as_deref(), params.excluded_attributes.as_deref(), rt)?;
        let filter = params.filter.as_deref().map(|f| Filter::parse(f, rt)).transpose()?;
        let sort_by = params.sort_by.as_deref().map(|s| sort_attr(s, rt)).transpose()?;
        let limit = params.effective_count(self.config.default_page_size, self.config.limits.max_results as i64);
        let include_groups = std::ptr::eq(rt, &USER_TYPE) && projection.includes("groups");
        let query =
            ListQuery { filter, sort_by, descending: params.sort_order_desc, offset: params.start_index.max(1) - 1, limit, include_groups };
        Ok((query, projection))
    }

    /// The user as the client asked to see it, with its groups when shown.
    async fn written_user(&self, caller: &Caller, row: &UserRow, projection: &Projection) -> Result<Written, ScimError> {
        let groups = if projection.includes("groups") {
            self.store.groups_of_users(caller.scope, std::slice::from_ref(&row.id)).await.map_err(scim_error)?
        } else {
            Vec::new()
        };
        Ok(written(caller, row, &groups, projection))
    }
}

fn written(caller: &Caller, row: &UserRow, groups: &[UserGroupRef], projection: &Projection) -> Written {
    let refs: Vec<&UserGroupRef> = groups.iter().collect();
    written_as(caller, row, user_json(row, &refs, &caller.base_url), projection)
}

/// The response for `row`, already rendered as `resource` by `user_json`.
fn written_as(caller: &Caller, row: &UserRow, mut resource: Value, projection: &Projection) -> Written {
    projection.apply(&mut resource);
    Written { resource, etag: etag(row.version), location: format!("{}/Users/{}", caller.base_url, row.id) }
}

/// Users as the client asked to see them; `groups` holds the direct
/// groups of these users (empty when the projection leaves them out).
pub(crate) fn render_users(caller: &Caller, rows: Vec<UserRow>, groups: &[UserGroupRef], projection: &Projection) -> Vec<Value> {
    let by_user = groups_by_user(groups);
    rows.into_iter()
        .map(|row| {
            let mine = by_user.get(row.id.as_str()).map(Vec::as_slice).unwrap_or_default();
            let mut json = user_json_owned(row, mine, &caller.base_url);
            projection.apply(&mut json);
            json
        })
        .collect()
}

/// Appends the user as `projection` shows it: its stored text copied when
/// that gives the same JSON, else rendered the general way.
fn write_user_json(
    out: &mut Vec<u8>,
    user: &UserDoc,
    groups: &[&UserGroupRef],
    base_url: &str,
    projection: &Projection,
) -> Result<(), ScimError> {
    if crate::verbatim::write_user(out, user, groups, base_url, projection) {
        return Ok(());
    }
    let doc: Value = serde_json::from_str(&user.doc).map_err(unwritable)?;
    let mut resource = crate::render::render_user(&user.into(), doc, groups, base_url);
    projection.apply(&mut resource);
    serde_json::to_writer(out, &resource).map_err(unwritable)
}

/// A response that cannot be written (a stored document that is not JSON).
fn unwritable(e: serde_json::Error) -> ScimError {
    tracing::error!(error = %e, "cannot write a users response");
    ScimError::internal()
}

fn groups_by_user(groups: &[UserGroupRef]) -> HashMap<&str, Vec<&UserGroupRef>> {
    let mut by_user: HashMap<&str, Vec<&UserGroupRef>> = HashMap::new();
    for g in groups {
        by_user.entry(g.user_id.as_str()).or_default().push(g);
    }
    by_user
}

fn user_not_found() -> ScimError {
    ScimError::not_found("User not found")
}
