//! The JSON shapes of `/api/v1`, described for the OpenAPI document.
//! Times are RFC 3339 strings with microseconds.

use lanyard_domain::store::{AuditEvent, GroupRow, MemberType, ProvisioningRequest, SeatCounters, Tenant, TokenRecord, UserRow};
use lanyard_scim::time::format_micros;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

fn time(m: Option<i64>) -> Option<String> {
    m.map(format_micros)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Seats {
    /// `null`: unlimited.
    pub limit: Option<i64>,
    pub assigned: i64,
    pub pending: i64,
}

impl From<SeatCounters> for Seats {
    fn from(c: SeatCounters) -> Self {
        Seats { limit: c.limit, assigned: c.assigned, pending: c.pending }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantOut {
    pub slug: String,
    pub name: String,
    pub seats: Seats,
    pub scim_base_url: String,
    pub created: String,
}

impl TenantOut {
    pub fn of(t: &Tenant, scim_base_url: String) -> Self {
        TenantOut {
            slug: t.slug.clone(),
            name: t.name.clone(),
            seats: Seats { limit: t.seat_limit, assigned: t.seats_assigned, pending: t.seats_pending },
            scim_base_url,
            created: format_micros(t.created_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTenantIn {
    /// Lower-case letters, digits and dashes.
    pub slug: String,
    pub name: Option<String>,
    /// Seat limit; absent or `null`: unlimited.
    pub seats: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatLimitIn {
    /// `null`: unlimited.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueuedUser {
    pub id: String,
    #[serde(rename = "userName")]
    pub user_name: String,
    #[serde(rename = "pendingSince")]
    pub pending_since: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeatsOut {
    #[serde(flatten)]
    pub seats: Seats,
    /// The front of the pending queue, in the order seats will be given.
    pub queue: Vec<QueuedUser>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    pub id: String,
    pub label: Option<String>,
    pub created: String,
    pub last_used: Option<String>,
    pub expires: Option<String>,
    pub revoked: Option<String>,
}

impl From<TokenRecord> for TokenOut {
    fn from(t: TokenRecord) -> Self {
        TokenOut {
            id: t.id,
            label: t.label,
            created: format_micros(t.created_at),
            last_used: time(t.last_used_at),
            expires: time(t.expires_at),
            revoked: time(t.revoked_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenIn {
    pub label: Option<String>,
    /// Days until the token expires (1 to 3650); absent: never.
    pub expires_in_days: Option<i64>,
}

/// A new token: `token` is shown this once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedTokenOut {
    pub id: String,
    pub token: String,
    pub label: Option<String>,
    pub expires: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProvisioningRequestOut {
    pub at: String,
    pub method: String,
    /// The path without the query string.
    pub path: String,
    pub status: u16,
    pub duration_ms: f64,
}

impl From<ProvisioningRequest> for ProvisioningRequestOut {
    fn from(r: ProvisioningRequest) -> Self {
        ProvisioningRequestOut {
            at: format_micros(r.at),
            method: r.method,
            path: r.path,
            status: r.status,
            duration_ms: r.duration_micros as f64 / 1000.0,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeatOut {
    /// `assigned`, `pending` or `none`.
    pub status: String,
    #[serde(rename = "assignedAt")]
    pub assigned_at: Option<String>,
    #[serde(rename = "pendingSince")]
    pub pending_since: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: String,
    #[serde(rename = "userName")]
    pub user_name: String,
    #[serde(rename = "displayName")]
    pub display_name: Option<String>,
    #[serde(rename = "externalId")]
    pub external_id: Option<String>,
    pub active: bool,
    pub emails: Vec<String>,
    pub seat: SeatOut,
    pub created: String,
    #[serde(rename = "lastModified")]
    pub last_modified: String,
}

impl From<&UserRow> for UserOut {
    fn from(u: &UserRow) -> Self {
        UserOut {
            id: u.id.clone(),
            user_name: u.user_name.clone(),
            display_name: u.display_name.clone(),
            external_id: u.external_id.clone(),
            active: u.active,
            emails: u.emails.iter().map(|e| e.value.clone()).collect(),
            seat: SeatOut {
                status: u.seat.status.as_str().to_string(),
                assigned_at: time(u.seat.assigned_at),
                pending_since: time(u.seat.pending_since),
            },
            created: format_micros(u.created_at),
            last_modified: format_micros(u.modified_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub users: Vec<UserOut>,
    /// Pass as `after` for the next page; `null` on the last page.
    pub next: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupRef {
    pub id: String,
    #[serde(rename = "displayName")]
    pub display_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserDetailOut {
    #[serde(flatten)]
    pub user: UserOut,
    pub groups: Vec<GroupRef>,
    /// The client-writable SCIM attributes as stored.
    #[schema(value_type = Object)]
    pub attributes: serde_json::Value,
    pub seat_history: Vec<AuditEventOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupOut {
    pub id: String,
    #[serde(rename = "displayName")]
    pub display_name: String,
    #[serde(rename = "externalId")]
    pub external_id: Option<String>,
    pub members: i64,
}

impl From<&GroupRow> for GroupOut {
    fn from(g: &GroupRow) -> Self {
        GroupOut { id: g.id.clone(), display_name: g.display_name.clone(), external_id: g.external_id.clone(), members: g.member_count }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupPage {
    pub total: i64,
    pub groups: Vec<GroupOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberOut {
    pub value: String,
    /// `User` or `Group`.
    #[serde(rename = "type")]
    pub kind: String,
    pub display: Option<String>,
}

impl MemberOut {
    pub fn new(value: String, kind: MemberType, display: Option<String>) -> Self {
        MemberOut { value, kind: kind.as_str().to_string(), display }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupDetailOut {
    #[serde(flatten)]
    pub group: GroupOut,
    pub member_list: Vec<MemberOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventOut {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<AuditEvent> for AuditEventOut {
    fn from(e: AuditEvent) -> Self {
        AuditEventOut {
            id: e.id,
            at: format_micros(e.event.at),
            actor: e.event.actor,
            action: e.event.action,
            resource_type: e.event.resource_type,
            resource_id: e.event.resource_id,
            detail: e.event.detail,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub events: Vec<AuditEventOut>,
    /// Pass as `before` for older events; `null` when there are no more.
    pub next: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpValuesOut {
    pub sp_entity_id: String,
    pub acs_url: String,
    pub name_id_format: String,
    pub login_url: String,
    pub metadata_url: String,
    /// The certificate (PEM) of the key that signs AuthnRequests.
    pub certificate_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SsoConnectionOut {
    pub id: String,
    pub name: String,
    /// jumpcloud, okta, entra-id, onelogin, google or generic.
    pub idp: String,
    pub idp_entity_id: String,
    pub idp_sso_url: String,
    pub idp_certificate_sha256: Vec<String>,
    pub metadata_source_url: Option<String>,
    pub domains: Vec<String>,
    /// Unknown users of the domains are created at sign-in (seat rules apply).
    pub jit: bool,
    /// Sign-ins started at the identity provider are accepted.
    pub allow_idp_initiated: bool,
    /// Our field (given_name, family_name, groups) → the SAML attribute's Name or FriendlyName.
    pub attribute_mapping: std::collections::BTreeMap<String, String>,
    pub created: String,
    /// What the identity provider's admin copies.
    pub sp: SpValuesOut,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[cfg_attr(not(feature = "saml"), allow(dead_code))]
pub struct NewSsoConnectionIn {
    pub name: String,
    /// jumpcloud, okta, entra-id, onelogin, google or generic.
    pub idp: String,
    /// The IdP's metadata URL (fetched now, refreshed later)…
    pub metadata_url: Option<String>,
    /// …or its metadata XML…
    pub metadata_xml: Option<String>,
    /// …or, for an IdP without metadata, its entity ID (issuer),
    pub idp_entity_id: Option<String>,
    /// its sign-on URL (HTTP-Redirect binding)
    pub idp_sso_url: Option<String>,
    /// and its signing certificates (PEM or base64 DER).
    pub idp_certificates: Option<Vec<String>>,
    pub domains: Vec<String>,
    /// Create unknown users of the domains at sign-in (seat rules apply).
    #[serde(default)]
    pub jit: bool,
    /// Accept sign-ins started at the identity provider.
    #[serde(default)]
    pub allow_idp_initiated: bool,
    /// Overrides of the default mapping (given_name: givenName, family_name: sn, groups: groups).
    #[serde(default)]
    pub attribute_mapping: std::collections::BTreeMap<String, String>,
}

/// A page of the event feed (see the README's "Event feed").
#[derive(Debug, Serialize, ToSchema)]
pub struct EventsPage {
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<serde_json::Value>,
    pub next: String,
}
