//! `lanyard webhook …`: endpoints, their delivery log and replays.

use lanyard_domain::Lanyard;
use lanyard_domain::webhooks::event_id;
use lanyard_scim::time::format_micros;
use lanyard_store::{Delivery, Webhook};
use lanyard_webhooks::{DelivererConfig, Sender};
use serde_json::{Value, json};

use crate::cli::WebhookCommand;
use crate::commands::{micros_json, print};

fn webhook_json(w: &Webhook) -> Value {
    json!({
        "id": w.id,
        "tenant": w.tenant,
        "url": w.url,
        "events": w.event_types.clone().map_or(json!("all"), |t| json!(t)),
        "enabled": w.enabled,
        "disabled_reason": w.disabled_reason,
        "created": format_micros(w.created_at),
        "cursor": { "tx_order": w.cursor.tx_order, "event_id": event_id(w.cursor.id) },
        "failed_attempts": w.attempts,
        "next_attempt": format_micros(w.next_attempt_at),
        "lease": w.lease_owner.as_ref().map(|o| json!({"owner": o, "until": micros_json(w.lease_until)})),
    })
}

fn delivery_json(d: &Delivery) -> Value {
    let d2 = &d.delivery;
    json!({
        "id": d.id,
        "event_id": event_id(d2.event_id),
        "attempt": d2.attempt,
        "at": format_micros(d2.at),
        "status": d2.status,
        "error": d2.error,
        "response": d2.response,
        "duration_ms": d2.duration_ms,
        "replay": d2.replay,
    })
}

fn webhook_line(w: &Webhook) -> String {
    let state = if w.enabled { "enabled".to_string() } else { format!("disabled ({})", w.disabled_reason.as_deref().unwrap_or("")) };
    let events = w.event_types.as_ref().map_or("all".to_string(), |t| t.join(","));
    format!("{}  {}  tenant={}  events={}  {}", w.id, w.url, w.tenant.as_deref().unwrap_or("(every tenant)"), events, state)
}

fn delivery_line(d: &Value) -> String {
    let result = match (d["status"].as_i64(), d["error"].as_str()) {
        (Some(s), _) => format!("HTTP {s}"),
        (None, Some(e)) => e.to_string(),
        (None, None) => "-".into(),
    };
    format!(
        "{}  {}  attempt {}{}  {}  {} ms  {}",
        d["at"].as_str().unwrap_or(""),
        d["event_id"].as_str().unwrap_or(""),
        d["attempt"],
        if d["replay"] == true { " (replay)" } else { "" },
        result,
        d["duration_ms"],
        d["response"].as_str().unwrap_or("").replace('\n', " ").chars().take(80).collect::<String>()
    )
}

pub async fn webhook(app: Lanyard, cmd: WebhookCommand, json_mode: bool) -> anyhow::Result<()> {
    match cmd {
        WebhookCommand::Create { slug, url, events } => {
            let created = app.create_webhook(slug.as_deref(), &url, events.as_deref()).await?;
            let mut v = webhook_json(&created.webhook);
            if let Some(o) = v.as_object_mut() {
                o.insert("secret".into(), json!(created.secret));
            }
            print(json_mode, &v, || {
                format!(
                    "webhook endpoint id: {}\n{}\nsigning secret (shown once, store it now):\n{}",
                    created.webhook.id,
                    webhook_line(&created.webhook),
                    created.secret
                )
            });
        }
        WebhookCommand::List { slug } => {
            let all = app.list_webhooks(slug.as_deref()).await?;
            print(json_mode, &Value::Array(all.iter().map(webhook_json).collect()), || {
                all.iter().map(webhook_line).collect::<Vec<_>>().join("\n")
            });
        }
        WebhookCommand::Show { id } => {
            let w = app.webhook(&id).await?;
            let recent: Vec<Value> = app.webhook_deliveries(&id, false, 5).await?.iter().map(delivery_json).collect();
            let mut v = webhook_json(&w);
            if let Some(o) = v.as_object_mut() {
                o.insert("recent_deliveries".into(), Value::Array(recent.clone()));
            }
            print(json_mode, &v, || {
                let mut text = serde_json::to_string_pretty(&webhook_json(&w)).unwrap_or_default();
                text.push_str("\nrecent deliveries:\n");
                text.push_str(&recent.iter().map(delivery_line).collect::<Vec<_>>().join("\n"));
                text
            });
        }
        WebhookCommand::Deliveries { id, failed, limit } => {
            let list: Vec<Value> = app.webhook_deliveries(&id, failed, limit).await?.iter().map(delivery_json).collect();
            print(json_mode, &Value::Array(list.clone()), || list.iter().map(delivery_line).collect::<Vec<_>>().join("\n"));
        }
        WebhookCommand::Enable { id } => {
            let w = app.enable_webhook(&id).await?;
            print(json_mode, &webhook_json(&w), || format!("enabled webhook endpoint {id}; it resumes at the event after its cursor"));
        }
        WebhookCommand::Disable { id } => {
            let w = app.disable_webhook(&id, "disabled by the operator").await?;
            print(json_mode, &webhook_json(&w), || format!("disabled webhook endpoint {id}"));
        }
        WebhookCommand::Delete { id } => {
            app.delete_webhook(&id).await?;
            print(json_mode, &json!({"deleted": id}), || format!("deleted webhook endpoint {id}"));
        }
        WebhookCommand::Replay { id, event } => {
            let sender = Sender::new(DelivererConfig::default().timeout)?;
            let outcome = lanyard_webhooks::replay(&app, &sender, &id, &event).await?;
            let v = json!({
                "delivered": outcome.delivered(),
                "status": outcome.status,
                "error": outcome.error,
                "response": outcome.response,
                "duration_ms": outcome.duration.as_millis() as u64,
            });
            print(json_mode, &v, || format!("replayed {event} to {id}: {}", outcome.describe()));
            if !outcome.delivered() {
                anyhow::bail!("the receiver did not accept the replay ({})", outcome.describe());
            }
        }
    }
    Ok(())
}
