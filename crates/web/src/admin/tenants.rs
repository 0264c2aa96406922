//! The operator's tenants: list, create, and each tenant's first page.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lanyard_domain::Lanyard;
use lanyard_domain::store::Tenant;

use super::form::Fields;
use super::page::{Chrome, PageError, render};
use super::session::AdminSession;

#[derive(Template)]
#[template(path = "admin/tenants.html")]
struct TenantsPage {
    chrome: Option<Chrome>,
    csrf: String,
    tenants: Vec<TenantRow>,
    error: Option<String>,
    slug: String,
    name: String,
    seats: String,
}

struct TenantRow {
    slug: String,
    name: String,
    limit: String,
    assigned: i64,
    pending: i64,
}

impl TenantRow {
    fn of(t: &Tenant) -> TenantRow {
        TenantRow {
            slug: t.slug.clone(),
            name: t.name.clone(),
            limit: t.seat_limit.map_or_else(|| "unlimited".to_string(), |n| n.to_string()),
            assigned: t.seats_assigned,
            pending: t.seats_pending,
        }
    }
}

/// `""` or `unlimited` → no limit; a number ≥ 0 → that limit.
pub fn parse_seats(text: Option<&str>) -> Result<Option<i64>, PageError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.eq_ignore_ascii_case("unlimited") => Ok(None),
        Some(t) => match t.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(Some(n)),
            _ => Err(PageError::BadRequest(format!("seats: {t:?} is not a number of seats (or \"unlimited\")"))),
        },
    }
}

async fn page(
    app: &Lanyard,
    session: &AdminSession,
    status: StatusCode,
    error: Option<String>,
    form: (String, String, String),
) -> Response {
    if let Err(e) = app.operator_only(&session.principal) {
        return PageError::from(e).into_response();
    }
    let tenants = match app.tenants_for(&session.principal).await {
        Ok(all) => all.iter().map(TenantRow::of).collect(),
        Err(e) => return PageError::from(e).into_response(),
    };
    let (slug, name, seats) = form;
    let page = TenantsPage { chrome: Chrome::new(session, None, "tenants"), csrf: session.csrf.clone(), tenants, error, slug, name, seats };
    render(status, &page)
}

pub async fn list(State(app): State<Lanyard>, session: AdminSession) -> Response {
    page(&app, &session, StatusCode::OK, None, Default::default()).await
}

pub async fn create(State(app): State<Lanyard>, session: AdminSession, body: Bytes) -> Response {
    let fields = Fields::parse(&body);
    if !fields.csrf_ok(&session.cookie) {
        return PageError::Csrf.into_response();
    }
    let slug = fields.get("slug").unwrap_or_default().to_string();
    let name = fields.get("name").map(str::to_string);
    let seats_text = fields.get("seats").unwrap_or_default().to_string();
    let form = (slug.clone(), name.clone().unwrap_or_default(), seats_text.clone());
    let seats = match parse_seats(Some(&seats_text)) {
        Ok(s) => s,
        Err(PageError::BadRequest(m)) => return page(&app, &session, StatusCode::BAD_REQUEST, Some(m), form).await,
        Err(e) => return e.into_response(),
    };
    match app.create_tenant_as(&session.principal, &slug, name.as_deref(), seats).await {
        Ok(t) => Redirect::to(&format!("/admin/t/{}/auth", t.slug)).into_response(),
        Err(e) => match PageError::from(e) {
            PageError::BadRequest(m) => page(&app, &session, StatusCode::BAD_REQUEST, Some(m), form).await,
            other => other.into_response(),
        },
    }
}

pub async fn home(Path(slug): Path<String>) -> Response {
    Redirect::to(&format!("/admin/t/{slug}/auth")).into_response()
}
