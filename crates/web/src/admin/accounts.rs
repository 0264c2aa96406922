//! The operator's access page: admin accounts (operators and tenant
//! admins) and API keys for the admin API and the event feed.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lanyard_domain::Lanyard;
use lanyard_domain::admin::{AccountRole, MIN_PASSWORD_LEN};
use lanyard_domain::feed::CreatedApiKey;
use lanyard_domain::store::{AdminAccount, AdminRole, ApiKey};
use lanyard_domain::tenants::AdminError;

use super::form::operator_form;
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
    keys: Vec<KeyRow>,
    /// A key just created: shown this once.
    created_key: Option<CreatedApiKey>,
}

struct KeyRow {
    id: String,
    label: String,
    scope: String,
    created: String,
    revoked: Option<String>,
}

impl KeyRow {
    fn of(k: &ApiKey) -> KeyRow {
        KeyRow {
            id: k.id.clone(),
            label: k.label.clone().unwrap_or_default(),
            scope: k.tenant.as_ref().map_or_else(|| "every tenant".to_string(), |slug| format!("tenant {slug}")),
            created: time(k.created_at),
            revoked: k.revoked_at.map(time),
        }
    }
}

/// What the page shows besides the lists.
#[derive(Default)]
struct Shown {
    error: Option<String>,
    email: String,
    role: String,
    created_key: Option<CreatedApiKey>,
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

async fn page(app: &Lanyard, session: &AdminSession, status: StatusCode, shown: Shown) -> Response {
    if let Err(e) = app.operator_only(&session.principal) {
        return PageError::from(e).into_response();
    }
    let lists = async {
        Ok::<_, AdminError>((app.list_admin_accounts().await?, app.tenants_for(&session.principal).await?, app.list_api_keys().await?))
    };
    let (accounts, tenants, keys) = match lists.await {
        Ok(lists) => lists,
        Err(e) => return PageError::from(e).into_response(),
    };
    let page = AccountsPage {
        chrome: Chrome::new(session, None, "accounts"),
        csrf: session.csrf.clone(),
        accounts: accounts.iter().map(AccountRow::of).collect(),
        tenants: tenants.into_iter().map(|t| t.slug).collect(),
        min_password: MIN_PASSWORD_LEN,
        error: shown.error,
        email: shown.email,
        role: if shown.role.is_empty() { "operator".into() } else { shown.role },
        keys: keys.iter().map(KeyRow::of).collect(),
        created_key: shown.created_key,
    };
    render(status, &page)
}

pub async fn list(State(app): State<Lanyard>, session: AdminSession) -> Response {
    page(&app, &session, StatusCode::OK, Shown::default()).await
}

/// Creates an account with a first password the operator hands over.
pub async fn create(State(app): State<Lanyard>, session: AdminSession, body: Bytes) -> Response {
    let fields = match operator_form(&app, &session, &body) {
        Ok(fields) => fields,
        Err(refused) => return refused.into_response(),
    };
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
    page(&app, &session, StatusCode::BAD_REQUEST, Shown { error: Some(refused), email, role: role_field, created_key: None }).await
}

/// Creates an API key (every tenant, or one) and shows its secret once.
pub async fn create_key(State(app): State<Lanyard>, session: AdminSession, body: Bytes) -> Response {
    let fields = match operator_form(&app, &session, &body) {
        Ok(fields) => fields,
        Err(refused) => return refused.into_response(),
    };
    let tenant = fields.get("scope").filter(|s| *s != "all");
    match app.create_api_key(tenant, fields.get("label")).await {
        Ok(created) => page(&app, &session, StatusCode::OK, Shown { created_key: Some(created), ..Shown::default() }).await,
        Err(e) => match PageError::from(e) {
            PageError::BadRequest(m) => page(&app, &session, StatusCode::BAD_REQUEST, Shown { error: Some(m), ..Shown::default() }).await,
            PageError::NotFound => {
                let error = Some("That tenant does not exist.".to_string());
                page(&app, &session, StatusCode::BAD_REQUEST, Shown { error, ..Shown::default() }).await
            }
            other => other.into_response(),
        },
    }
}

pub async fn revoke_key(State(app): State<Lanyard>, session: AdminSession, Path(id): Path<String>, body: Bytes) -> Response {
    if let Err(refused) = operator_form(&app, &session, &body) {
        return refused.into_response();
    }
    match app.revoke_api_key(&id).await {
        Ok(()) => Redirect::to("/admin/accounts#api-keys").into_response(),
        Err(e) => PageError::from(e).into_response(),
    }
}
