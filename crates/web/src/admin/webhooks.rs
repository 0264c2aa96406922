//! The operator's webhook endpoints: list, add (the signing secret shown
//! once), pause and resume, delete, and each endpoint's recent deliveries.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lanyard_domain::Lanyard;
use lanyard_domain::events::EVENT_TYPES;
use lanyard_domain::store::{Delivery, Webhook};
use lanyard_domain::webhooks::CreatedWebhook;

use super::form::operator_form;
use super::page::{Chrome, PageError, render, time};
use super::session::AdminSession;

/// Deliveries shown on an endpoint's page.
const RECENT_DELIVERIES: i64 = 50;

#[derive(Template)]
#[template(path = "admin/webhooks.html")]
struct WebhooksPage {
    chrome: Option<Chrome>,
    csrf: String,
    endpoints: Vec<EndpointRow>,
    tenants: Vec<String>,
    event_types: &'static [&'static str],
    created: Option<CreatedWebhook>,
    error: Option<String>,
    url: String,
}

#[derive(Template)]
#[template(path = "admin/webhook.html")]
struct WebhookPage {
    chrome: Option<Chrome>,
    csrf: String,
    endpoint: EndpointRow,
    deliveries: Vec<DeliveryRow>,
}

struct EndpointRow {
    id: String,
    url: String,
    scope: String,
    events: String,
    enabled: bool,
    state: String,
    created: String,
}

impl EndpointRow {
    fn of(w: &Webhook) -> EndpointRow {
        let state = match (w.enabled, &w.disabled_reason) {
            (true, _) if w.attempts > 0 => format!("retrying ({} failed attempts, next {})", w.attempts, time(w.next_attempt_at)),
            (true, _) => "delivering".to_string(),
            (false, Some(reason)) => format!("paused: {reason}"),
            (false, None) => "paused".to_string(),
        };
        EndpointRow {
            id: w.id.clone(),
            url: w.url.clone(),
            scope: w.tenant.as_ref().map_or_else(|| "every tenant".to_string(), |slug| format!("tenant {slug}")),
            events: w.event_types.as_ref().map_or_else(|| "all".to_string(), |types| types.join(", ")),
            enabled: w.enabled,
            state,
            created: time(w.created_at),
        }
    }
}

struct DeliveryRow {
    at: String,
    event: String,
    attempt: i64,
    outcome: String,
    ok: bool,
    duration_ms: i64,
}

impl DeliveryRow {
    fn of(d: &Delivery) -> DeliveryRow {
        let d = &d.delivery;
        let ok = d.status.is_some_and(|s| (200..300).contains(&s));
        let outcome = match (d.status, &d.error) {
            (Some(status), _) => format!("HTTP {status}"),
            (None, Some(error)) => error.clone(),
            (None, None) => "no answer".to_string(),
        };
        DeliveryRow {
            at: time(d.at),
            event: lanyard_domain::webhooks::event_id(d.event_id),
            attempt: d.attempt,
            outcome: if d.replay { format!("{outcome} (replay)") } else { outcome },
            ok,
            duration_ms: d.duration_ms,
        }
    }
}

async fn list_page(
    app: &Lanyard,
    session: &AdminSession,
    status: StatusCode,
    created: Option<CreatedWebhook>,
    error: Option<String>,
    url: String,
) -> Response {
    if let Err(e) = app.operator_only(&session.principal) {
        return PageError::from(e).into_response();
    }
    let (endpoints, tenants) = match (app.list_webhooks(None).await, app.tenants_for(&session.principal).await) {
        (Ok(endpoints), Ok(tenants)) => (endpoints, tenants),
        (Err(e), _) | (_, Err(e)) => return PageError::from(e).into_response(),
    };
    let page = WebhooksPage {
        chrome: Chrome::new(session, None, "webhooks"),
        csrf: session.csrf.clone(),
        endpoints: endpoints.iter().map(EndpointRow::of).collect(),
        tenants: tenants.into_iter().map(|t| t.slug).collect(),
        event_types: EVENT_TYPES,
        created,
        error,
        url,
    };
    render(status, &page)
}

pub async fn list(State(app): State<Lanyard>, session: AdminSession) -> Response {
    list_page(&app, &session, StatusCode::OK, None, None, String::new()).await
}

/// Adds an endpoint; the page shows its signing secret this once.
pub async fn create(State(app): State<Lanyard>, session: AdminSession, body: Bytes) -> Response {
    let fields = match operator_form(&app, &session, &body) {
        Ok(fields) => fields,
        Err(refused) => return refused.into_response(),
    };
    let url = fields.get("url").unwrap_or_default().to_string();
    let tenant = fields.get("scope").filter(|s| *s != "all");
    let chosen: Vec<&str> = fields.all("event").collect();
    let types = (!chosen.is_empty()).then(|| chosen.join(","));
    match app.create_webhook(tenant, &url, types.as_deref()).await {
        Ok(created) => list_page(&app, &session, StatusCode::OK, Some(created), None, String::new()).await,
        Err(e) => match PageError::from(e) {
            PageError::BadRequest(m) => list_page(&app, &session, StatusCode::BAD_REQUEST, None, Some(m), url).await,
            PageError::NotFound => {
                list_page(&app, &session, StatusCode::BAD_REQUEST, None, Some("That tenant does not exist.".into()), url).await
            }
            other => other.into_response(),
        },
    }
}

pub async fn show(State(app): State<Lanyard>, session: AdminSession, Path(id): Path<String>) -> Response {
    if let Err(e) = app.operator_only(&session.principal) {
        return PageError::from(e).into_response();
    }
    let found = async {
        Ok::<_, lanyard_domain::tenants::AdminError>((
            app.webhook(&id).await?,
            app.webhook_deliveries(&id, false, RECENT_DELIVERIES).await?,
        ))
    };
    match found.await {
        Ok((endpoint, deliveries)) => {
            let page = WebhookPage {
                chrome: Chrome::new(&session, None, "webhooks"),
                csrf: session.csrf.clone(),
                endpoint: EndpointRow::of(&endpoint),
                deliveries: deliveries.iter().map(DeliveryRow::of).collect(),
            };
            render(StatusCode::OK, &page)
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

/// Pause, resume or delete, from a form with the session's CSRF token.
pub async fn act(State(app): State<Lanyard>, session: AdminSession, Path((id, action)): Path<(String, String)>, body: Bytes) -> Response {
    if let Err(refused) = operator_form(&app, &session, &body) {
        return refused.into_response();
    }
    let actor = session.principal.actor.clone();
    let done = match action.as_str() {
        "pause" => app.disable_webhook(&id, &format!("paused by {actor}")).await.map(|_| ()),
        "resume" => app.enable_webhook(&id).await.map(|_| ()),
        "delete" => app.delete_webhook(&id).await,
        _ => return PageError::NotFound.into_response(),
    };
    match done {
        Ok(()) if action == "delete" => Redirect::to("/admin/webhooks").into_response(),
        Ok(()) => Redirect::to(&format!("/admin/webhooks/{id}")).into_response(),
        Err(e) => PageError::from(e).into_response(),
    }
}
