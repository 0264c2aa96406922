//! Audit log retention: events older than the configured age are deleted
//! by `serve` once at start and then every hour.

use std::time::Duration;

use lanyard_store::StoreResult;

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
}
