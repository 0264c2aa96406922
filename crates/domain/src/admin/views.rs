//! What the admin pages and API read and change, each call checked
//! against the principal's tenants first (see [`Lanyard::tenant_for`]).

use lanyard_scim::filter::Filter;
use lanyard_scim::schema::{SEAT_SCHEMA, USER_TYPE};
use lanyard_store::{
    AuditEvent, AuditQuery, BrowsePage, GroupRow, ListQuery, MemberRow, ProvisioningRequest, SeatCounters, StoreError, Tenant, TenantScope,
    TokenRecord, UserBrowse, UserGroupRef, UserRow,
};
use serde_json::json;

use super::Principal;
use crate::tenants::{AdminError, CreatedToken};
use crate::{Lanyard, audit, now};

#[derive(Debug, Clone)]
pub struct UserDetail {
    pub user: UserRow,
    pub groups: Vec<UserGroupRef>,
    /// The user's seat moves, oldest first.
    pub seat_history: Vec<AuditEvent>,
}

#[derive(Debug, Clone)]
pub struct GroupDetail {
    pub group: GroupRow,
    pub members: Vec<MemberRow>,
}

#[derive(Debug, Clone)]
pub struct SeatOverview {
    pub counters: SeatCounters,
    /// The first pending users, in the order they will be seated.
    pub queue: Vec<UserRow>,
}

/// What the audit page asks for; newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action_prefix: Option<String>,
    pub actor: Option<String>,
    pub resource_id: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Events older than this id (the next page).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Pages hold at most this many rows.
pub const MAX_PAGE: i64 = 1000;

fn not_found_is_invalid(e: StoreError) -> AdminError {
    match e {
        StoreError::Scim(s) => AdminError::Invalid(s.detail),
        other => AdminError::Store(other),
    }
}

impl Lanyard {
    async fn record_admin_action(
        &self,
        tenant: &Tenant,
        who: &Principal,
        action: &str,
        resource: Option<(&str, &str)>,
        detail: serde_json::Value,
    ) -> Result<(), AdminError> {
        let mut tx = self.store.begin(TenantScope::of(tenant)).await?;
        audit::record(tx.as_mut(), now(), &who.actor, action, resource, detail).await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- tokens ----

    pub async fn tokens_for(&self, who: &Principal, slug: &str) -> Result<Vec<TokenRecord>, AdminError> {
        let tenant = self.tenant_for(who, slug).await?;
        Ok(self.store.list_tokens(TenantScope::of(&tenant)).await?)
    }

    pub async fn create_token_for(
        &self,
        who: &Principal,
        slug: &str,
        label: Option<&str>,
        expires_in_micros: Option<i64>,
    ) -> Result<CreatedToken, AdminError> {
        let tenant = self.tenant_for(who, slug).await?;
        if label.is_some_and(|l| l.chars().count() > 200) {
            return Err(AdminError::Invalid("the label must be at most 200 characters".into()));
        }
        if expires_in_micros.is_some_and(|d| d <= 0) {
            return Err(AdminError::Invalid("the expiry must be in the future".into()));
        }
        let created = self.create_token(&tenant.slug, label, expires_in_micros).await?;
        self.record_admin_action(&tenant, who, "token.created", Some(("Token", &created.id)), json!({ "label": created.label })).await?;
        Ok(created)
    }

    pub async fn revoke_token_for(&self, who: &Principal, slug: &str, token_id: &str) -> Result<(), AdminError> {
        let tenant = self.tenant_for(who, slug).await?;
        self.revoke_token(&tenant.slug, token_id).await?;
        self.record_admin_action(&tenant, who, "token.revoked", Some(("Token", token_id)), json!({})).await
    }

    pub async fn provisioning_requests_for(&self, who: &Principal, slug: &str, limit: i64) -> Result<Vec<ProvisioningRequest>, AdminError> {
        let tenant = self.tenant_for(who, slug).await?;
        Ok(self.store.provisioning_requests(TenantScope::of(&tenant), limit.clamp(1, super::KEEP_PER_TENANT)).await?)
    }

    // ---- tenants and seats (operators) ----

    pub async fn create_tenant_as(
        &self,
        who: &Principal,
        slug: &str,
        name: Option<&str>,
        seats: Option<i64>,
    ) -> Result<Tenant, AdminError> {
        self.operator_only(who)?;
        if name.is_some_and(|n| n.trim().is_empty() || n.chars().count() > 200) {
            return Err(AdminError::Invalid("the name must be 1 to 200 characters".into()));
        }
        let tenant = self.create_tenant(slug, name.map(str::trim), seats).await?;
        self.record_admin_action(&tenant, who, "tenant.created", None, json!({ "slug": tenant.slug, "seats": seats })).await?;
        Ok(tenant)
    }

    pub async fn set_seat_limit_as(&self, who: &Principal, slug: &str, limit: Option<i64>) -> Result<SeatCounters, AdminError> {
        self.operator_only(who)?;
        let tenant = self.tenant_for(who, slug).await?;
        self.set_seat_limit(&tenant.slug, limit, &who.actor).await
    }

    pub async fn seat_overview(&self, who: &Principal, slug: &str, queue_limit: i64) -> Result<SeatOverview, AdminError> {
        let tenant = self.tenant_for(who, slug).await?;
        let filter =
            Filter::parse(&format!("{SEAT_SCHEMA}:seat.status eq \"pending\""), &USER_TYPE).map_err(|e| AdminError::Invalid(e.detail))?;
        let sort_by = USER_TYPE
            .resolve_path(Some(SEAT_SCHEMA), "seat", Some("pendingSince"))
            .ok_or_else(|| AdminError::Invalid("seat schema".into()))?;
        let query =
            ListQuery { filter: Some(filter), sort_by: Some(sort_by), limit: queue_limit.clamp(1, MAX_PAGE), ..ListQuery::default() };
        let queue = self.store.list_users(TenantScope::of(&tenant), &query).await?.items;
        Ok(SeatOverview {
            counters: SeatCounters { limit: tenant.seat_limit, assigned: tenant.seats_assigned, pending: tenant.seats_pending },
            queue,
        })
    }

    // ---- users and groups ----

    pub async fn browse_users_for(&self, who: &Principal, slug: &str, query: &UserBrowse) -> Result<BrowsePage<UserRow>, AdminError> {
        let tenant = self.tenant_for(who, slug).await?;
        let mut query = query.clone();
        query.limit = query.limit.clamp(1, MAX_PAGE);
        query.user_name_prefix = query.user_name_prefix.filter(|p| !p.trim().is_empty()).map(|p| p.trim().to_string());
        self.store.browse_users(TenantScope::of(&tenant), &query).await.map_err(not_found_is_invalid)
    }

    pub async fn user_detail(&self, who: &Principal, slug: &str, id: &str) -> Result<UserDetail, AdminError> {
        let tenant = self.tenant_for(who, slug).await?;
        let scope = TenantScope::of(&tenant);
        let user = self.store.user(scope, id).await?.ok_or(AdminError::NotFound)?;
        let groups = self.store.groups_of_users(scope, std::slice::from_ref(&user.id)).await?;
        let query = AuditQuery {
            resource_id: Some(user.id.clone()),
            action_prefix: Some("seat.".into()),
            limit: MAX_PAGE,
            ..AuditQuery::default()
        };
        let seat_history = self.store.list_audit(scope, &query).await?;
        Ok(UserDetail { user, groups, seat_history })
    }

    /// A page of groups in creation order: `(total, groups)`.
    pub async fn groups_for(&self, who: &Principal, slug: &str, offset: i64, limit: i64) -> Result<(i64, Vec<GroupRow>), AdminError> {
        let tenant = self.tenant_for(who, slug).await?;
        let query = ListQuery { offset: offset.max(0), limit: limit.clamp(1, MAX_PAGE), ..ListQuery::default() };
        let page = self.store.list_groups(TenantScope::of(&tenant), &query).await?;
        Ok((page.total, page.items))
    }

    pub async fn group_detail(&self, who: &Principal, slug: &str, id: &str) -> Result<GroupDetail, AdminError> {
        let tenant = self.tenant_for(who, slug).await?;
        let scope = TenantScope::of(&tenant);
        let group = self.store.group(scope, id).await?.ok_or(AdminError::NotFound)?;
        let members = self.store.members_of_groups(scope, std::slice::from_ref(&group.id)).await?;
        Ok(GroupDetail { group, members })
    }

    // ---- audit ----

    pub async fn audit_for(&self, who: &Principal, slug: &str, filter: &AuditFilter) -> Result<Vec<AuditEvent>, AdminError> {
        let tenant = self.tenant_for(who, slug).await?;
        let blank = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let query = AuditQuery {
            since: filter.since,
            until: filter.until,
            action_prefix: blank(&filter.action_prefix),
            resource_id: blank(&filter.resource_id),
            actor: blank(&filter.actor),
            before_id: filter.before_id,
            newest_first: true,
            limit: filter.limit.clamp(1, 100_000),
            ..AuditQuery::default()
        };
        Ok(self.store.list_audit(TenantScope::of(&tenant), &query).await?)
    }
}
