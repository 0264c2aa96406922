//! A tenant's audit log: filters, pages newest first, and CSV export.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use lanyard_domain::Lanyard;
use lanyard_domain::admin::AuditFilter;
use lanyard_domain::store::AuditEvent;
use lanyard_scim::time::{format_micros, parse_datetime_micros};

use super::page::{Chrome, PageError, render, time};
use super::session::AdminSession;
use crate::extract::QueryPairs;

const EVENTS_PER_PAGE: i64 = 100;
/// Rows in one CSV export at most.
pub const CSV_MAX: i64 = 100_000;

/// The filters from the query string (dates as RFC 3339 or `YYYY-MM-DD`).
pub fn audit_filter(q: &QueryPairs, limit: i64) -> Result<AuditFilter, String> {
    let date = |name: &str| -> Result<Option<i64>, String> {
        match q.get(name).map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => parse_datetime_micros(s)
                .or_else(|| parse_datetime_micros(&format!("{s}T00:00:00Z")))
                .map(Some)
                .ok_or_else(|| format!("{name}: {s:?} is not a date such as 2026-11-23")),
        }
    };
    let before = match q.get("before").filter(|s| !s.is_empty()) {
        None => None,
        Some(b) => Some(b.parse::<i64>().map_err(|_| "before: an event id".to_string())?),
    };
    let text = |name: &str| q.get(name).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    Ok(AuditFilter {
        action_prefix: text("action"),
        actor: text("actor"),
        resource_id: text("resource"),
        since: date("since")?,
        until: date("until")?,
        before_id: before,
        limit,
    })
}

struct EventLine {
    at: String,
    action: String,
    actor: String,
    resource: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    chrome: Option<Chrome>,
    slug: String,
    action: String,
    actor: String,
    resource: String,
    since: String,
    until: String,
    events: Vec<EventLine>,
    next: Option<String>,
    csv: String,
}

fn encode(q: &QueryPairs, extra: Option<(&str, String)>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for name in ["action", "actor", "resource", "since", "until"] {
        if let Some(v) = q.get(name).filter(|v| !v.is_empty()) {
            s.append_pair(name, v);
        }
    }
    if let Some((k, v)) = extra {
        s.append_pair(k, &v);
    }
    s.finish()
}

pub async fn page(State(app): State<Lanyard>, session: AdminSession, Path(slug): Path<String>, q: QueryPairs) -> Response {
    let result = async {
        let filter = audit_filter(&q, EVENTS_PER_PAGE).map_err(PageError::BadRequest)?;
        let tenant = app.tenant_for(&session.principal, &slug).await?;
        let events = app.audit_for(&session.principal, &tenant.slug, &filter).await?;
        let next = (events.len() as i64 == EVENTS_PER_PAGE)
            .then(|| events.last().map(|e| encode(&q, Some(("before", e.id.to_string())))))
            .flatten();
        let text = |name: &str| q.get(name).unwrap_or_default().to_string();
        Ok::<_, PageError>(AuditPage {
            chrome: Chrome::new(&session, Some(&tenant.slug), "audit"),
            action: text("action"),
            actor: text("actor"),
            resource: text("resource"),
            since: text("since"),
            until: text("until"),
            events: events
                .into_iter()
                .map(|e| EventLine {
                    at: time(e.event.at),
                    resource: match (e.event.resource_type, e.event.resource_id) {
                        (Some(t), Some(id)) => format!("{t} {id}"),
                        (_, Some(id)) => id,
                        _ => String::new(),
                    },
                    action: e.event.action,
                    actor: e.event.actor,
                    detail: e.event.detail.to_string(),
                })
                .collect(),
            next,
            csv: encode(&q, None),
            slug: tenant.slug,
        })
    };
    match result.await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => e.into_response(),
    }
}

/// One CSV field (RFC 4180 quoting). A leading `= + - @` is prefixed with
/// `'` so a spreadsheet does not run the text as a formula.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

pub fn csv_of(events: &[AuditEvent]) -> String {
    let mut out = String::from("id,at,actor,action,resource_type,resource_id,detail\r\n");
    for e in events {
        let row = [
            e.id.to_string(),
            format_micros(e.event.at),
            e.event.actor.clone(),
            e.event.action.clone(),
            e.event.resource_type.clone().unwrap_or_default(),
            e.event.resource_id.clone().unwrap_or_default(),
            e.event.detail.to_string(),
        ];
        out.push_str(&row.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

pub fn csv_response(slug: &str, events: &[AuditEvent]) -> Response {
    let disposition = format!("attachment; filename=\"lanyard-audit-{slug}.csv\"");
    ([(CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (CONTENT_DISPOSITION, disposition)], csv_of(events)).into_response()
}

pub async fn csv(State(app): State<Lanyard>, session: AdminSession, Path(slug): Path<String>, q: QueryPairs) -> Response {
    let result = async {
        let filter = audit_filter(&q, CSV_MAX).map_err(PageError::BadRequest)?;
        let tenant = app.tenant_for(&session.principal, &slug).await?;
        let events = app.audit_for(&session.principal, &tenant.slug, &filter).await?;
        Ok::<_, PageError>(csv_response(&tenant.slug, &events))
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(field("line\nbreak"), "\"line\nbreak\"");
    }
}
