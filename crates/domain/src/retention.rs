//! Retention of the audit log and of the event outbox (with the webhook
//! delivery log): what is older than the configured age is deleted by
//! `serve` once at start and then every hour.

use std::time::Duration;

use lanyard_store::{EventPosition, StoreResult};

use crate::tenants::AdminError;

use crate::{Lanyard, now};

/// How often `serve` prunes.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(3600);

impl Lanyard {
    /// Deletes audit events older than `retention`; returns how many.
    pub async fn prune_audit(&self, retention: Duration) -> StoreResult<u64> {
        let age = i64::try_from(retention.as_micros()).unwrap_or(i64::MAX);
        self.store.prune_audit(now().saturating_sub(age)).await
    }

    /// Prunes now and every [`PRUNE_INTERVAL`], for as long as it runs.
    pub async fn keep_audit_for(&self, retention: Duration) {
        let mut every = tokio::time::interval(PRUNE_INTERVAL);
        loop {
            every.tick().await;
            match self.prune_audit(retention).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, retention = ?retention, "pruned the audit log"),
                Err(e) => tracing::warn!(error = %e, "cannot prune the audit log"),
            }
        }
    }

    /// Deletes events older than `retention`, except those an enabled
    /// webhook endpoint has not delivered yet (the oldest of those and
    /// everything after it stay), and delivery log rows older than
    /// `retention`. Returns (events, deliveries) deleted.
    pub async fn prune_events(&self, retention: Duration) -> Result<(u64, u64), AdminError> {
        let age = i64::try_from(retention.as_micros()).unwrap_or(i64::MAX);
        let before = now().saturating_sub(age);
        let mut bound = match self.store.first_event_since(before).await? {
            Some(position) => position,
            None => EventPosition { tx_order: i64::MAX, id: i64::MAX },
        };
        for webhook in self.store.list_webhooks(None).await?.iter().filter(|w| w.enabled) {
            if let Some(position) = self.first_undelivered(webhook).await? {
                bound = bound.min(position);
            }
        }
        let events = self.store.prune_events(bound).await?;
        let deliveries = self.store.prune_deliveries(before).await?;
        Ok((events, deliveries))
    }

    /// Prunes events now and every [`PRUNE_INTERVAL`], for as long as it runs.
    pub async fn keep_events_for(&self, retention: Duration) {
        let mut every = tokio::time::interval(PRUNE_INTERVAL);
        loop {
            every.tick().await;
            match self.prune_events(retention).await {
                Ok((0, 0)) => {}
                Ok((events, deliveries)) => tracing::info!(events, deliveries, retention = ?retention, "pruned events"),
                Err(e) => tracing::warn!(error = %e, "cannot prune events"),
            }
        }
    }
}
