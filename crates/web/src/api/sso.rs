//! A tenant's SAML connections. Without the `saml` feature every route
//! answers 501.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lanyard_domain::Lanyard;

use super::caller::{ApiCaller, JsonBody};
use super::error::{ApiError, ErrorBody};
use super::schemas::{NewSsoConnectionIn, SsoConnectionOut};

#[cfg(feature = "saml")]
mod imp {
    use lanyard_domain::sso::{ConnectionInput, MetadataSource, NAMEID_EMAIL, SsoConnectionView};
    use lanyard_scim::time::format_micros;

    use super::*;
    use crate::api::schemas::SpValuesOut;

    pub fn out(v: SsoConnectionView) -> SsoConnectionOut {
        let c = v.connection;
        SsoConnectionOut {
            id: c.id,
            name: c.name,
            idp: c.idp_kind,
            idp_entity_id: c.idp_entity_id,
            idp_sso_url: c.sso_url,
            idp_certificate_sha256: v.fingerprints,
            metadata_source_url: c.metadata_url,
            domains: c.domains,
            jit: c.jit,
            allow_idp_initiated: c.allow_idp_initiated,
            attribute_mapping: serde_json::from_str(&c.attribute_map).unwrap_or_default(),
            created: format_micros(c.created_at),
            sp: SpValuesOut {
                sp_entity_id: v.sp.entity_id,
                acs_url: v.sp.acs_url,
                name_id_format: NAMEID_EMAIL.to_string(),
                login_url: v.sp.login_url,
                metadata_url: v.sp.metadata_url,
                certificate_url: v.sp.certificate_url,
            },
        }
    }

    pub fn input(body: NewSsoConnectionIn) -> Result<ConnectionInput, ApiError> {
        let metadata = match (body.metadata_url, body.metadata_xml, body.idp_entity_id) {
            (Some(url), None, None) => MetadataSource::Url(url),
            (None, Some(xml), None) => MetadataSource::Xml(xml),
            (None, None, Some(entity_id)) => MetadataSource::Manual {
                entity_id,
                sso_url: body.idp_sso_url.unwrap_or_default(),
                certificates: body.idp_certificates.unwrap_or_default(),
            },
            _ => return Err(ApiError::bad_request("give one of metadata_url, metadata_xml or idp_entity_id")),
        };
        Ok(ConnectionInput {
            name: body.name,
            idp_kind: body.idp,
            metadata,
            domains: body.domains,
            jit: body.jit,
            allow_idp_initiated: body.allow_idp_initiated,
            attributes: body.attribute_mapping.into_iter().collect(),
        })
    }
}

#[cfg(not(feature = "saml"))]
fn unavailable() -> ApiError {
    ApiError::new(StatusCode::NOT_IMPLEMENTED, "this Lanyard build has no SAML single sign-on (build with --features saml)")
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/sso-connections", tag = "sso", params(("tenant" = String, Path)),
    responses((status = 200, body = Vec<SsoConnectionOut>), (status = 404, body = ErrorBody), (status = 501, body = ErrorBody)))]
pub async fn list_connections(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    Path(slug): Path<String>,
) -> Result<Json<Vec<SsoConnectionOut>>, ApiError> {
    let tenant = app.tenant_for(&who, &slug).await?;
    #[cfg(feature = "saml")]
    return Ok(Json(app.list_sso_connections(&tenant.slug).await?.into_iter().map(imp::out).collect()));
    #[cfg(not(feature = "saml"))]
    {
        let _ = tenant;
        Err(unavailable())
    }
}

/// Create a connection from the IdP's metadata URL (fetched now) or XML.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/sso-connections", tag = "sso", params(("tenant" = String, Path)), request_body = NewSsoConnectionIn,
    responses((status = 201, body = SsoConnectionOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 501, body = ErrorBody)))]
pub async fn create_connection(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    Path(slug): Path<String>,
    JsonBody(body): JsonBody<NewSsoConnectionIn>,
) -> Result<(StatusCode, Json<SsoConnectionOut>), ApiError> {
    let tenant = app.tenant_for(&who, &slug).await?;
    #[cfg(feature = "saml")]
    return Ok((StatusCode::CREATED, Json(imp::out(app.create_sso_connection(&tenant.slug, imp::input(body)?, &who.actor).await?))));
    #[cfg(not(feature = "saml"))]
    {
        let _ = (tenant, body);
        Err(unavailable())
    }
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/sso-connections/{id}", tag = "sso", params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = SsoConnectionOut), (status = 404, body = ErrorBody), (status = 501, body = ErrorBody)))]
pub async fn get_connection(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Json<SsoConnectionOut>, ApiError> {
    let tenant = app.tenant_for(&who, &slug).await?;
    #[cfg(feature = "saml")]
    return Ok(Json(imp::out(app.sso_connection(&tenant.slug, &id).await?)));
    #[cfg(not(feature = "saml"))]
    {
        let _ = (tenant, id);
        Err(unavailable())
    }
}

#[utoipa::path(delete, path = "/api/v1/tenants/{tenant}/sso-connections/{id}", tag = "sso", params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 501, body = ErrorBody)))]
pub async fn delete_connection(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    Path((slug, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let tenant = app.tenant_for(&who, &slug).await?;
    #[cfg(feature = "saml")]
    {
        app.delete_sso_connection(&tenant.slug, &id, &who.actor).await?;
        Ok(StatusCode::NO_CONTENT)
    }
    #[cfg(not(feature = "saml"))]
    {
        let _ = (tenant, id);
        Err(unavailable())
    }
}
