//! The operator's admin accounts: who may use these pages, and creating
//! operators and tenant admins.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lanyard_domain::Lanyard;
use lanyard_domain::admin::{AccountRole, MIN_PASSWORD_LEN};
use lanyard_domain::store::{AdminAccount, AdminRole};
use lanyard_domain::tenants::AdminError;

use super::form::Fields;
use super::page::{Chrome, PageError, render, time};
use super::session::AdminSession;

#[derive(Template)]
#[template(path = "admin/accounts.html")]
struct AccountsPage {
    chrome: Option<Chrome>,
    csrf: String,
    accounts: Vec<AccountRow>,
    tenants: Vec<String>,
    min_password: usize,
    error: Option<String>,
    email: String,
    /// `operator` or a tenant's slug.
    role: String,
}

struct AccountRow {
    email: String,
    role: String,
    created: String,
    last_sign_in: String,
}

impl AccountRow {
    fn of(a: &AdminAccount) -> AccountRow {
        let role = match (&a.role, &a.tenant_slug) {
            (AdminRole::Operator, _) => "operator (every tenant)".to_string(),
            (AdminRole::TenantAdmin(_), Some(slug)) => format!("admin of {slug}"),
            (AdminRole::TenantAdmin(_), None) => "admin of a deleted tenant".to_string(),
        };
        AccountRow {
            email: a.email.clone(),
            role,
            created: time(a.created_at),
            last_sign_in: a.last_login_at.map_or_else(|| "never".to_string(), time),
        }
    }
}

async fn page(app: &Lanyard, session: &AdminSession, status: StatusCode, error: Option<String>, form: (String, String)) -> Response {
    if let Err(e) = app.operator_only(&session.principal) {
        return PageError::from(e).into_response();
    }
    let (accounts, tenants) = match (app.list_admin_accounts().await, app.tenants_for(&session.principal).await) {
        (Ok(accounts), Ok(tenants)) => (accounts, tenants),
        (Err(e), _) | (_, Err(e)) => return PageError::from(e).into_response(),
    };
    let (email, role) = form;
    let page = AccountsPage {
        chrome: Chrome::new(session, None, "accounts"),
        csrf: session.csrf.clone(),
        accounts: accounts.iter().map(AccountRow::of).collect(),
        tenants: tenants.into_iter().map(|t| t.slug).collect(),
        min_password: MIN_PASSWORD_LEN,
        error,
        email,
        role,
    };
    render(status, &page)
}

pub async fn list(State(app): State<Lanyard>, session: AdminSession) -> Response {
    page(&app, &session, StatusCode::OK, None, (String::new(), "operator".into())).await
}

/// Creates an account with a first password the operator hands over.
pub async fn create(State(app): State<Lanyard>, session: AdminSession, body: Bytes) -> Response {
    let fields = Fields::parse(&body);
    if !fields.csrf_ok(&session.cookie) {
        return PageError::Csrf.into_response();
    }
    if let Err(e) = app.operator_only(&session.principal) {
        return PageError::from(e).into_response();
    }
    let email = fields.get("email").unwrap_or_default().to_string();
    let role_field = fields.get("role").unwrap_or("operator").to_string();
    let role = match role_field.as_str() {
        "operator" => AccountRole::Operator,
        slug => AccountRole::TenantAdmin(slug.to_string()),
    };
    let password = fields.raw("password").unwrap_or_default();
    let refused = match app.create_admin_account(&email, password, &role).await {
        Ok(_) => return Redirect::to("/admin/accounts").into_response(),
        Err(AdminError::NoSuchTenant(slug)) => format!("tenant {slug:?} does not exist"),
        Err(e) => match PageError::from(e) {
            PageError::BadRequest(m) => m,
            other => return other.into_response(),
        },
    };
    page(&app, &session, StatusCode::BAD_REQUEST, Some(refused), (email, role_field)).await
}
