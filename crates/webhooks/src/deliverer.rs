//! The delivery loop inside `lanyard serve`: every `poll` (or at once when
//! this process writes events) it looks for enabled endpoints that are
//! due, have events after their cursor and whose lease is free; it takes
//! the lease and drains the endpoint in order in a task of its own.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lanyard_domain::{Lanyard, now};
use lanyard_store::{Event, StoreResult, TenantScope, Webhook, WebhookProgress};

use crate::schedule::RetrySchedule;
use crate::send::Sender;

/// Events read per look at an endpoint's feed.
const PAGE: i64 = 100;

#[derive(Debug, Clone)]
pub struct DelivererConfig {
    pub schedule: RetrySchedule,
    /// The time limit of one attempt.
    pub timeout: Duration,
    /// How long a lease lasts unless renewed (each attempt renews it); an
    /// instance that died holding one is replaced after this. Must be well
    /// above `timeout`, or another instance could take over mid-attempt.
    pub lease: Duration,
    /// How often to look for due endpoints.
    pub poll: Duration,
}

impl Default for DelivererConfig {
    fn default() -> Self {
        DelivererConfig {
            schedule: RetrySchedule::default(),
            timeout: Duration::from_secs(10),
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(1),
        }
    }
}

#[derive(Clone)]
pub struct Deliverer {
    app: Lanyard,
    sender: Sender,
    config: Arc<DelivererConfig>,
    /// This process's name on the leases it holds.
    owner: String,
    /// Endpoints this process is draining now.
    active: Arc<Mutex<HashSet<String>>>,
    /// Set at shutdown: drains stop after their current attempt.
    stopping: Arc<AtomicBool>,
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

impl Deliverer {
    pub fn new(app: Lanyard, config: DelivererConfig) -> Result<Deliverer, reqwest::Error> {
        Ok(Deliverer {
            app,
            sender: Sender::new(config.timeout)?,
            config: Arc::new(config),
            owner: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
            active: Arc::default(),
            stopping: Arc::default(),
        })
    }

    /// Delivers for as long as it runs.
    pub async fn run(self) {
        self.run_until(std::future::pending()).await
    }

    /// Delivers until `stop` completes; then lets each endpoint's current
    /// attempt finish (at most the attempt timeout) and gives its lease
    /// back, so another instance continues at once.
    pub async fn run_until(self, stop: impl Future<Output = ()>) {
        let wake = self.app.events_written();
        tokio::pin!(stop);
        loop {
            if let Err(e) = self.tick().await {
                tracing::warn!(error = %e, "webhooks: cannot look for due endpoints");
            }
            tokio::select! {
                () = tokio::time::sleep(self.config.poll) => {}
                () = wake.notified() => {}
                () = &mut stop => break,
            }
        }
        self.stopping.store(true, Ordering::SeqCst);
        let deadline = tokio::time::Instant::now() + self.config.timeout + Duration::from_secs(2);
        while self.active.lock().map(|a| !a.is_empty()).unwrap_or(false) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn tick(&self) -> StoreResult<()> {
        let store = self.app.store();
        for webhook in store.due_webhooks(now()).await? {
            if self.is_active(&webhook.id) {
                continue;
            }
            let Some(scope) = self.scope(&webhook).await? else { continue };
            if store.events_after(scope, webhook.cursor, 1).await?.is_empty() {
                continue;
            }
            let at = now();
            let Some(leased) = store.lease_webhook(&webhook.id, &self.owner, at + micros(self.config.lease), at).await? else {
                continue;
            };
            if let Ok(mut active) = self.active.lock() {
                active.insert(leased.id.clone());
            }
            let this = self.clone();
            tokio::spawn(async move {
                let id = leased.id.clone();
                if let Err(e) = this.drain(leased, scope).await {
                    tracing::warn!(webhook = %id, error = %e, "webhooks: delivery interrupted");
                }
                if let Err(e) = this.app.store().release_webhook(&id, &this.owner).await {
                    tracing::warn!(webhook = %id, error = %e, "webhooks: cannot release the lease (it expires)");
                }
                if let Ok(mut active) = this.active.lock() {
                    active.remove(&id);
                }
                // An event written while this drain was ending found the
                // endpoint busy: look again now rather than at the next poll.
                this.app.wake_deliverer();
            });
        }
        Ok(())
    }

    fn is_active(&self, id: &str) -> bool {
        self.active.lock().map(|a| a.contains(id)).unwrap_or(true)
    }

    /// The feed the endpoint reads: its tenant's or every tenant's;
    /// `None` when its tenant is gone (and with it the endpoint).
    async fn scope(&self, webhook: &Webhook) -> StoreResult<Option<Option<TenantScope>>> {
        match &webhook.tenant {
            None => Ok(Some(None)),
            Some(slug) => Ok(self.app.store().tenant_by_slug(slug).await?.map(|t| Some(TenantScope::of(&t)))),
        }
    }

    /// Delivers the endpoint's events in order until none is left, one
    /// fails, or the lease is lost.
    async fn drain(&self, mut webhook: Webhook, scope: Option<TenantScope>) -> StoreResult<()> {
        let store = self.app.store();
        loop {
            if self.stopping.load(Ordering::SeqCst) {
                return Ok(());
            }
            let events = store.events_after(scope, webhook.cursor, PAGE).await?;
            let Some(last) = events.last() else { return Ok(()) };
            for event in &events {
                if !webhook.wants(&event.event.kind) {
                    continue;
                }
                if self.stopping.load(Ordering::SeqCst) || !self.attempt(&mut webhook, event).await? {
                    return Ok(());
                }
            }
            if webhook.cursor < last.position {
                // The page ended with events it does not want: move past them.
                let skip = self.progress(&webhook, last.position, 0, now(), None, None);
                if !store.record_webhook_progress(&skip).await? {
                    return Ok(());
                }
                webhook.cursor = last.position;
            }
        }
    }

    /// One attempt at `event`; `true` when it was delivered and the
    /// endpoint may go on.
    async fn attempt(&self, webhook: &mut Webhook, event: &Event) -> StoreResult<bool> {
        let attempt = webhook.attempts + 1;
        let at = now();
        let outcome = self.sender.send(webhook, event).await;
        let log = Some(outcome.log_row(webhook, event, attempt, at, false));
        if outcome.delivered() {
            let progress = self.progress(webhook, event.position, 0, now(), None, log);
            let kept = self.app.store().record_webhook_progress(&progress).await?;
            webhook.cursor = event.position;
            webhook.attempts = 0;
            return Ok(kept);
        }
        let pause = self.config.schedule.pause_after(attempt);
        let disable = if outcome.gone() {
            Some("the receiver answered 410 Gone".to_string())
        } else if pause.is_none() {
            Some(format!("{attempt} attempts at event {} failed; the last: {}", event.position.id, outcome.describe()))
        } else {
            None
        };
        tracing::warn!(webhook = %webhook.id, event = event.position.id, attempt, outcome = %outcome.describe(), disabled = disable.is_some(), "webhooks: delivery failed");
        let next = now().saturating_add(pause.map_or(0, micros));
        let progress = self.progress(webhook, webhook.cursor, attempt, next, disable, log);
        self.app.store().record_webhook_progress(&progress).await?;
        Ok(false)
    }

    fn progress(
        &self,
        webhook: &Webhook,
        cursor: lanyard_store::EventPosition,
        attempts: i64,
        next_attempt_at: i64,
        disable: Option<String>,
        delivery: Option<lanyard_store::NewDelivery>,
    ) -> WebhookProgress {
        WebhookProgress {
            endpoint_id: webhook.id.clone(),
            lease_owner: self.owner.clone(),
            lease_until: now().saturating_add(micros(self.config.lease)),
            cursor,
            attempts,
            next_attempt_at,
            disable,
            delivery,
        }
    }
}
