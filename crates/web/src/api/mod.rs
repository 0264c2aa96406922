//! `/api/v1`: the admin API — the same abilities as the admin pages, as
//! JSON, and the event feed. Authenticated by an operator API key or the
//! admin session cookie (see [`caller`]). The OpenAPI document at
//! `/api/v1/openapi.json` is generated from the handlers' annotations,
//! and the router is built from the same list, so the two cannot differ.

mod audit;
mod caller;
mod directory;
mod error;
mod events;
mod schemas;
mod sso;
mod tenants;

use std::sync::LazyLock;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Lanyard admin API", version = "1", description = "Tenants, seats, SCIM tokens, users, groups, audit, SSO connections and the event feed."),
    modifiers(&Security),
    security(("api_key" = []), ("session" = []))
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("An operator API key (lanyard api-key create)")).build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                lanyard_domain::admin::SESSION_COOKIE,
                "The admin pages' session; writes also need X-CSRF-Token",
            ))),
        );
    }
}

fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(tenants::list_tenants, tenants::create_tenant))
        .routes(routes!(tenants::get_tenant))
        .routes(routes!(tenants::get_seats, tenants::set_seats))
        .routes(routes!(tenants::list_tokens, tenants::create_token))
        .routes(routes!(tenants::revoke_token))
        .routes(routes!(tenants::provisioning_requests))
        .routes(routes!(directory::list_users))
        .routes(routes!(directory::get_user))
        .routes(routes!(directory::list_groups))
        .routes(routes!(directory::get_group))
        .routes(routes!(audit::list_audit))
        .routes(routes!(audit::audit_csv))
        .routes(routes!(sso::list_connections, sso::create_connection))
        .routes(routes!(sso::get_connection, sso::delete_connection))
        .routes(routes!(events::all_events))
        .routes(routes!(events::tenant_events))
        .routes(routes!(openapi_json))
}

static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    let (_, doc) = api().split_for_parts();
    doc.to_json().unwrap_or_else(|e| {
        tracing::error!(error = %e, "cannot render the OpenAPI document");
        "{}".to_string()
    })
});

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document of /api/v1", content_type = "application/json")))]
async fn openapi_json() -> Response {
    ([(CONTENT_TYPE, "application/json")], DOCUMENT.as_str()).into_response()
}

pub fn router() -> Router<AppState> {
    let (router, _) = api().split_for_parts();
    router
}
