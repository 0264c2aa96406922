//! Writers of one tenant queue in this process before they take a
//! connection. The tenant's row lock serialises them anyway; without this
//! queue each would hold a pooled connection while it waits for the lock,
//! and a burst of writes to one tenant (an identity provider's first sync)
//! would take every connection from the pool, starving reads and other
//! tenants. With it, a tenant ties up at most one connection per instance.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use lanyard_store::{StoreError, StoreResult, TenantId};
use tokio::sync::{Mutex as Queue, OwnedMutexGuard};

/// Past this many tenants, gates nobody holds or waits for are dropped.
const KEEP: usize = 1024;

#[derive(Default)]
pub(crate) struct Gates {
    gates: Mutex<HashMap<TenantId, Arc<Queue<()>>>>,
}

/// This process's turn to write the tenant, held by its transaction.
pub(crate) type Turn = OwnedMutexGuard<()>;

impl Gates {
    /// Waits (first come, first served) for the tenant's turn; `timeout`
    /// bounds the wait as the pool bounds waiting for a connection.
    pub async fn enter(&self, tenant: TenantId, timeout: Duration) -> StoreResult<Turn> {
        let gate = {
            let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
            if gates.len() > KEEP {
                gates.retain(|_, gate| Arc::strong_count(gate) > 1);
            }
            gates.entry(tenant).or_default().clone()
        };
        tokio::time::timeout(timeout, gate.lock_owned())
            .await
            .map_err(|_| StoreError::Database(format!("timed out after {timeout:?} waiting for the tenant's earlier writes")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_turn_per_tenant_at_a_time() {
        let gates = Gates::default();
        let short = Duration::from_millis(50);
        let first = gates.enter(1, short).await.unwrap();
        assert!(gates.enter(1, short).await.is_err(), "a second turn of tenant 1");
        let other = gates.enter(2, short).await.unwrap();
        drop(first);
        let again = gates.enter(1, short).await.unwrap();
        drop((other, again));
    }

    #[tokio::test]
    async fn idle_gates_are_dropped() {
        let gates = Gates::default();
        for tenant in 0..=(KEEP as i64 + 1) {
            drop(gates.enter(tenant, Duration::from_secs(1)).await.unwrap());
        }
        let held = gates.enter(-1, Duration::from_secs(1)).await.unwrap();
        assert!(gates.gates.lock().unwrap().len() <= 2);
        drop(held);
    }
}
