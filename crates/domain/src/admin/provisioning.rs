//! "Recent provisioning requests": each SCIM request's method, path,
//! status and time, kept per tenant to debug a failed "Test Connection".
//! Recording must not slow SCIM down, so the request path only offers the
//! entry to a bounded channel (dropped when full); a background task
//! writes batches and trims each tenant to the newest [`KEEP_PER_TENANT`].
//! A batch holds only what would survive that trim: under a busy client,
//! most requests are older than the newest few hundred before they are
//! ever written.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use lanyard_store::{ProvisioningRequest, Store, TenantId};
use tokio::sync::mpsc;

/// Entries kept per tenant.
pub const KEEP_PER_TENANT: i64 = 200;
/// Entries waiting to be written at most; beyond it new ones are dropped.
const QUEUE: usize = 8192;
/// How long the writer gathers entries before writing them.
const GATHER: Duration = Duration::from_millis(200);

/// A tenant's slug (from the request path) and what happened.
type Entry = (String, ProvisioningRequest);

pub struct ProvisioningLog {
    store: Arc<dyn Store>,
    sender: OnceLock<mpsc::Sender<Entry>>,
}

impl ProvisioningLog {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store, sender: OnceLock::new() }
    }

    /// Offers one request to the log; never waits. The writer task starts
    /// with the first entry (inside a runtime; outside one nothing is kept).
    pub fn record(&self, tenant_slug: &str, request: ProvisioningRequest) {
        let sender = self.sender.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(write_batches(self.store.clone(), rx));
            }
            tx
        });
        if sender.try_send((tenant_slug.to_string(), request)).is_err() {
            tracing::debug!("provisioning request log is full; an entry was dropped");
        }
    }
}

async fn write_batches(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Entry>) {
    while let Some(first) = rx.recv().await {
        tokio::time::sleep(GATHER).await;
        let mut entries = vec![first];
        while let Ok(entry) = rx.try_recv() {
            entries.push(entry);
        }
        let entries = newest_per_tenant(entries, KEEP_PER_TENANT as usize);
        let mut tenants: HashMap<String, Option<TenantId>> = HashMap::new();
        let mut rows = Vec::with_capacity(entries.len());
        for (slug, request) in entries {
            let tenant = match tenants.get(&slug) {
                Some(found) => *found,
                None => {
                    let found = store.tenant_by_slug(&slug).await.ok().flatten().map(|t| t.id);
                    tenants.insert(slug, found);
                    found
                }
            };
            // Requests for tenants that do not exist are nobody's to see.
            if let Some(tenant) = tenant {
                rows.push((tenant, request));
            }
        }
        if !rows.is_empty()
            && let Err(e) = store.record_provisioning(&rows, KEEP_PER_TENANT).await
        {
            tracing::warn!(error = %e, entries = rows.len(), "cannot record provisioning requests");
        }
    }
}

/// The newest `keep` entries of each tenant, oldest first.
fn newest_per_tenant(entries: Vec<Entry>, keep: usize) -> Vec<Entry> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut newest: Vec<Entry> = entries
        .into_iter()
        .rev()
        .filter(|(slug, _)| {
            let count = seen.entry(slug.clone()).or_default();
            *count += 1;
            *count <= keep
        })
        .collect();
    newest.reverse();
    newest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(slug: &str, at: i64) -> Entry {
        let request = ProvisioningRequest { at, method: "GET".into(), path: "/".into(), status: 200, duration_micros: 1 };
        (slug.to_string(), request)
    }

    #[test]
    fn a_batch_keeps_each_tenants_newest_entries_in_order() {
        let entries = vec![entry("a", 1), entry("b", 2), entry("a", 3), entry("a", 4), entry("b", 5), entry("a", 6)];
        let kept: Vec<(String, i64)> = newest_per_tenant(entries, 2).into_iter().map(|(slug, r)| (slug, r.at)).collect();
        let expected = [("b", 2), ("a", 4), ("b", 5), ("a", 6)].map(|(s, at)| (s.to_string(), at));
        assert_eq!(kept, expected);
    }
}
