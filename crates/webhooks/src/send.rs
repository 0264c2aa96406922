//! One signed POST of one event to one endpoint, and what came of it.

use std::time::{Duration, Instant};

use lanyard_domain::events::event_body;
use lanyard_domain::tenants::AdminError;
use lanyard_domain::webhooks::event_id;
use lanyard_domain::{Lanyard, now};
use lanyard_store::{Event, NewDelivery, Webhook};

use crate::signing::sign;

/// The most of a response body the delivery log keeps.
pub const RESPONSE_EXCERPT: usize = 1024;

/// The HTTP client deliveries go through: a time limit per attempt, no
/// redirects (a 3xx is a failure: the endpoint's URL should be updated).
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    timeout: Duration,
}

/// What an attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Option<u16>,
    pub error: Option<String>,
    pub response: Option<String>,
    pub duration: Duration,
}

impl Outcome {
    pub fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// The receiver says the endpoint is gone for good.
    pub fn gone(&self) -> bool {
        self.status == Some(410)
    }

    /// For logs and the disabled reason.
    pub fn describe(&self) -> String {
        match (self.status, &self.error) {
            (Some(s), _) => format!("HTTP {s}"),
            (None, Some(e)) => e.clone(),
            (None, None) => "no answer".into(),
        }
    }

    pub fn log_row(&self, webhook: &Webhook, event: &Event, attempt: i64, at: i64, replay: bool) -> NewDelivery {
        NewDelivery {
            endpoint_id: webhook.id.clone(),
            event_id: event.position.id,
            attempt,
            at,
            status: self.status.map(i64::from),
            error: self.error.clone(),
            response: self.response.clone(),
            duration_ms: i64::try_from(self.duration.as_millis()).unwrap_or(i64::MAX),
            replay,
        }
    }
}

impl Sender {
    pub fn new(timeout: Duration) -> Result<Sender, reqwest::Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .user_agent(concat!("Lanyard-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Sender { client, timeout })
    }

    /// POSTs the event, signed with the endpoint's secret.
    pub async fn send(&self, webhook: &Webhook, event: &Event) -> Outcome {
        let started = Instant::now();
        let id = event_id(event.position.id);
        let body = event_body(event).to_string();
        let timestamp = now() / 1_000_000;
        let Some(signature) = sign(&webhook.secret, &id, timestamp, body.as_bytes()) else {
            return Outcome {
                status: None,
                error: Some("the endpoint's secret is unusable".into()),
                response: None,
                duration: started.elapsed(),
            };
        };
        let request = self
            .client
            .post(&webhook.url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body);
        let (status, error, response) = match request.send().await {
            Ok(mut res) => {
                let status = res.status().as_u16();
                match excerpt(&mut res).await {
                    Ok(text) => (Some(status), None, Some(text).filter(|t| !t.is_empty())),
                    Err(e) => (Some(status), Some(self.describe(&e)), None),
                }
            }
            Err(e) => (None, Some(self.describe(&e)), None),
        };
        Outcome { status, error, response, duration: started.elapsed() }
    }

    /// What went wrong, without the URL (its query may carry credentials).
    fn describe(&self, e: &reqwest::Error) -> String {
        if e.is_timeout() {
            return format!("no answer within {:?}", self.timeout);
        }
        let mut text = if e.is_connect() {
            "cannot connect"
        } else if e.is_body() {
            "cannot read the answer"
        } else {
            "request failed"
        }
        .to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            text = format!("{text}: {s}");
            source = s.source();
        }
        text
    }
}

/// The start of the response body (at most [`RESPONSE_EXCERPT`] bytes),
/// read no further than that.
async fn excerpt(res: &mut reqwest::Response) -> Result<String, reqwest::Error> {
    let mut bytes = Vec::new();
    while bytes.len() < RESPONSE_EXCERPT {
        match res.chunk().await? {
            Some(chunk) => bytes.extend_from_slice(&chunk),
            None => break,
        }
    }
    bytes.truncate(RESPONSE_EXCERPT);
    // A UTF-8 sequence cut at the limit shows as U+FFFD.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Sends one event to one endpoint again, out of band (its cursor and
/// retries are untouched), and logs it as a replay.
pub async fn replay(app: &Lanyard, sender: &Sender, webhook_id: &str, event_id: &str) -> Result<Outcome, AdminError> {
    let webhook = app.webhook(webhook_id).await?;
    let event = app.event_for_webhook(&webhook, event_id).await?;
    let at = now();
    let outcome = sender.send(&webhook, &event).await;
    app.store().log_delivery(&outcome.log_row(&webhook, &event, 1, at, true)).await?;
    Ok(outcome)
}
