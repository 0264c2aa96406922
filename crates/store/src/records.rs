//! The records the store reads and writes.

use lanyard_scim::filter::Filter;
use lanyard_scim::schema::ResolvedAttr;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::TenantScope;

pub type TenantId = i64;
/// Microseconds since the Unix epoch, UTC.
pub type Micros = i64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    /// `None`: unlimited.
    pub seat_limit: Option<i64>,
    pub seats_assigned: i64,
    pub seats_pending: i64,
    pub created_at: Micros,
}

#[derive(Debug, Clone)]
pub struct NewTenant {
    pub slug: String,
    pub name: String,
    pub seat_limit: Option<i64>,
    pub created_at: Micros,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub id: String,
    pub tenant_id: TenantId,
    pub label: Option<String>,
    pub created_at: Micros,
    pub last_used_at: Option<Micros>,
    pub expires_at: Option<Micros>,
    pub revoked_at: Option<Micros>,
}

#[derive(Debug, Clone)]
pub struct NewToken {
    pub id: String,
    /// SHA-256 of the secret; the secret itself is never stored.
    pub hash: Vec<u8>,
    pub label: Option<String>,
    pub created_at: Micros,
    pub expires_at: Option<Micros>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeatStatus {
    Assigned,
    Pending,
    None,
}

impl SeatStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SeatStatus::Assigned => "assigned",
            SeatStatus::Pending => "pending",
            SeatStatus::None => "none",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "assigned" => Some(SeatStatus::Assigned),
            "pending" => Some(SeatStatus::Pending),
            "none" => Some(SeatStatus::None),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatState {
    pub status: SeatStatus,
    pub assigned_at: Option<Micros>,
    pub pending_since: Option<Micros>,
}

impl SeatState {
    pub const NONE: SeatState = SeatState { status: SeatStatus::None, assigned_at: None, pending_since: None };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatCounters {
    pub limit: Option<i64>,
    pub assigned: i64,
    pub pending: i64,
}

/// An email as indexed for `emails.value` / `emails.type` filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailIndex {
    pub value: String,
    pub kind: Option<String>,
    pub primary: bool,
}

impl EmailIndex {
    /// The emails of a canonical User document.
    pub fn from_doc(doc: &Value) -> Vec<EmailIndex> {
        let Some(list) = doc.get("emails").and_then(Value::as_array) else {
            return Vec::new();
        };
        list.iter()
            .filter_map(|e| {
                Some(EmailIndex {
                    value: e.get("value")?.as_str()?.to_string(),
                    kind: e.get("type").and_then(Value::as_str).map(str::to_string),
                    primary: e.get("primary").and_then(Value::as_bool).unwrap_or(false),
                })
            })
            .collect()
    }
}

/// A stored User. `doc` holds the client-writable attributes as a SCIM JSON
/// object (core attributes at the root, extensions under their URN) without
/// `id`, `meta`, `groups`, `password` or the seat extension; the other fields
/// are the columns that filters, uniqueness and seats need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: String,
    pub user_name: String,
    pub external_id: Option<String>,
    pub display_name: Option<String>,
    pub active: bool,
    pub emails: Vec<EmailIndex>,
    pub doc: Value,
    pub password_hash: Option<String>,
    pub version: i64,
    pub created_at: Micros,
    pub modified_at: Micros,
    pub seat: SeatState,
}

/// A stored User as a response shows it when nothing in its document has
/// to be read: the document is still the stored JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct UserDoc {
    pub id: String,
    pub doc: String,
    pub version: i64,
    pub created_at: Micros,
    pub modified_at: Micros,
    pub seat: SeatState,
    /// Where `]` closes `schemas` in `doc` when a response under the
    /// default projection can splice `doc` as it is
    /// ([`lanyard_scim::shown_as_stored`]); worked out when it was written.
    pub plain_schemas_end: Option<usize>,
}

/// A user's document as the stores write it: its text and the
/// `doc_schemas_end` column, where `schemas` ends in that text when a
/// response can splice it ([`UserDoc::plain_schemas_end`]), else 0.
pub fn stored_user_doc(doc: &Value) -> (String, i64) {
    let text = doc.to_string();
    let end = lanyard_scim::shown_as_stored::plain_schemas_end(&text).and_then(|end| i64::try_from(end).ok()).unwrap_or(0);
    (text, end)
}

/// [`UserDoc::plain_schemas_end`] from the `doc_schemas_end` column.
pub fn plain_schemas_end(column: i64) -> Option<usize> {
    usize::try_from(column).ok().filter(|&end| end > 0)
}

/// A stored Group, without its members (they live in their own table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRow {
    pub id: String,
    pub display_name: String,
    pub external_id: Option<String>,
    pub doc: Value,
    pub version: i64,
    pub created_at: Micros,
    pub modified_at: Micros,
    pub member_count: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemberType {
    User,
    Group,
}

impl MemberType {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberType::User => "User",
            MemberType::Group => "Group",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRef {
    pub id: String,
    pub kind: MemberType,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub group_id: String,
    pub member_id: String,
    pub kind: MemberType,
    pub display: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGroupRef {
    pub user_id: String,
    pub group_id: String,
    pub display: String,
}

/// A page request. `filter` has been parsed and checked against the
/// resource type; the store turns it into SQL.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub filter: Option<Filter>,
    pub sort_by: Option<ResolvedAttr>,
    pub descending: bool,
    /// 0-based offset (SCIM `startIndex` - 1).
    pub offset: i64,
    /// Page size; 0 asks only for the total.
    pub limit: i64,
    /// Users only: also return the direct groups of the users on the page
    /// (in [`Page::user_groups`]), read with the page itself.
    pub include_groups: bool,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub total: i64,
    pub items: Vec<T>,
    /// With [`ListQuery::include_groups`]: the page's users' direct groups.
    pub user_groups: Vec<UserGroupRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewAuditEvent {
    pub at: Micros,
    /// e.g. `token:<id>`, `cli`, `admin:<name>`.
    pub actor: String,
    /// e.g. `user.created`, `seat.assigned`.
    pub action: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub detail: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: i64,
    pub tenant_id: TenantId,
    #[serde(flatten)]
    pub event: NewAuditEvent,
}

#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub since: Option<Micros>,
    /// Only events before this time.
    pub until: Option<Micros>,
    pub action_prefix: Option<String>,
    pub resource_id: Option<String>,
    pub actor: Option<String>,
    pub after_id: Option<i64>,
    pub before_id: Option<i64>,
    /// Newest first (the admin pages), instead of oldest first.
    pub newest_first: bool,
    pub limit: i64,
}

/// A change for the application, written to the outbox in the same
/// transaction as the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    pub at: Micros,
    /// e.g. `user.created`, `group.member_added`, `seat.assigned`.
    pub kind: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    /// The resource as it now is and what changed.
    pub data: Value,
}

/// Where an event sits in the feed: events are ordered by the transaction
/// that wrote them (so a reader never skips one committed late), then by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct EventPosition {
    pub tx_order: i64,
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub position: EventPosition,
    pub tenant: String,
    #[serde(flatten)]
    pub event: NewEvent,
}

/// An operator API key (credential for `/api/v1`): for every tenant when
/// `tenant` is `None`, else for that tenant only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: String,
    /// The tenant's slug, for a key limited to one tenant.
    pub tenant: Option<String>,
    pub label: Option<String>,
    pub created_at: Micros,
    pub revoked_at: Option<Micros>,
}

#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub id: String,
    pub tenant: Option<TenantScope>,
    /// SHA-256 of the secret; the secret itself is never stored.
    pub hash: Vec<u8>,
    pub label: Option<String>,
    pub created_at: Micros,
}
