//! Operator operations on seats and the audit log.

use lanyard_scim::filter::Filter;
use lanyard_scim::schema::USER_TYPE;
use lanyard_store::{AuditEvent, AuditQuery, ListQuery, SeatCounters, SeatStatus, TenantScope, UserRow};
use serde_json::json;

use crate::seats::Seats;
use crate::tenants::AdminError;
use crate::{Lanyard, audit, now};

impl Lanyard {
    /// Set the limit (`None`: unlimited). Raising it seats pending users,
    /// oldest first; lowering it evicts nobody.
    pub async fn set_seat_limit(&self, slug: &str, limit: Option<i64>, actor: &str) -> Result<SeatCounters, AdminError> {
        if limit.is_some_and(|n| n < 0) {
            return Err(AdminError::Invalid("the seat limit cannot be negative".into()));
        }
        let tenant = self.tenant_by_slug(slug).await?;
        let mut tx = self.store.begin(TenantScope::of(&tenant)).await?;
        let now = now();
        let before = tx.seat_counters().await?;
        tx.set_seat_limit(limit).await?;
        audit::record(tx.as_mut(), now, actor, "seats.limit_changed", None, json!({ "from": before.limit, "to": limit })).await?;
        Seats { tx: tx.as_mut(), now, actor }.fill_free_seats("limit.raised").await?;
        let after = tx.seat_counters().await?;
        self.commit(tx).await?;
        Ok(after)
    }

    pub async fn seat_counters(&self, slug: &str) -> Result<SeatCounters, AdminError> {
        let tenant = self.tenant_by_slug(slug).await?;
        Ok(SeatCounters { limit: tenant.seat_limit, assigned: tenant.seats_assigned, pending: tenant.seats_pending })
    }

    /// Users with this seat status (both when `None`), in seat order: by
    /// assignment time for seated users, by queue position for pending ones.
    pub async fn seat_holders(&self, slug: &str, status: Option<SeatStatus>) -> Result<Vec<UserRow>, AdminError> {
        let tenant = self.tenant_by_slug(slug).await?;
        let scope = TenantScope::of(&tenant);
        let statuses = match status {
            Some(s) => vec![s],
            None => vec![SeatStatus::Assigned, SeatStatus::Pending],
        };
        let mut out = Vec::new();
        for status in statuses {
            let (attr, order) = match status {
                SeatStatus::Pending => ("seat.status", "seat.pendingSince"),
                _ => ("seat.status", "seat.assignedAt"),
            };
            let urn = lanyard_scim::schema::SEAT_SCHEMA;
            let filter = Filter::parse(&format!("{urn}:{attr} eq \"{}\"", status.as_str()), &USER_TYPE)
                .map_err(|e| AdminError::Invalid(e.detail))?;
            let sort_by = USER_TYPE
                .resolve_path(Some(urn), "seat", order.strip_prefix("seat."))
                .ok_or_else(|| AdminError::Invalid("seat schema".into()))?;
            let query = ListQuery { filter: Some(filter), sort_by: Some(sort_by), limit: i64::MAX, ..ListQuery::default() };
            out.extend(self.store.list_users(scope, &query).await?.items);
        }
        Ok(out)
    }

    pub async fn audit_events(&self, slug: &str, since: Option<i64>, limit: i64) -> Result<Vec<AuditEvent>, AdminError> {
        let tenant = self.tenant_by_slug(slug).await?;
        let query = AuditQuery { since, limit, ..AuditQuery::default() };
        Ok(self.store.list_audit(TenantScope::of(&tenant), &query).await?)
    }
}
