//! SAML single sign-on records: connections, issued requests, sessions.

use crate::{Micros, TenantId};

/// A tenant's SAML identity provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoConnection {
    pub id: String,
    pub tenant_id: TenantId,
    pub name: String,
    /// jumpcloud, okta, entra-id, onelogin, google or generic.
    pub idp_kind: String,
    pub idp_entity_id: String,
    pub sso_url: String,
    /// Base64 DER signing certificates.
    pub certificates: Vec<String>,
    pub metadata_url: Option<String>,
    pub metadata_fetched_at: Option<Micros>,
    /// JSON object: our field (email, given_name, family_name, groups) → SAML attribute name.
    pub attribute_map: String,
    pub jit: bool,
    pub allow_idp_initiated: bool,
    pub created_at: Micros,
    /// Lower-case email domains, unique across tenants.
    pub domains: Vec<String>,
}

/// The IdP values a metadata refresh may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpUpdate {
    pub idp_entity_id: String,
    pub sso_url: String,
    pub certificates: Vec<String>,
    pub fetched_at: Micros,
}

/// An AuthnRequest Lanyard sent: its ID is single use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoRequest {
    pub id: String,
    pub connection_id: String,
    /// Where to go after sign-in (a local path), e.g. an OIDC `/authorize` to resume.
    pub return_to: Option<String>,
    pub expires_at: Micros,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSession {
    pub id: String,
    /// SHA-256 of the cookie value.
    pub token_hash: Vec<u8>,
    pub tenant_id: TenantId,
    pub connection_id: String,
    pub user_id: String,
    pub email: String,
    /// The groups the IdP asserted at sign-in (the connection's mapped
    /// groups attribute), handed to the application with the SCIM groups.
    pub idp_groups: Vec<String>,
    pub created_at: Micros,
    pub expires_at: Micros,
}

/// Writes the SSO session statements (the same SQL on every backend) as
/// `create_session`, `session_by_hash` and `session_by_id` over the
/// backend's connection type; `$db` and `$conflict` map `sqlx::Error`.
#[macro_export]
macro_rules! sso_session_sql {
    ($conn:ty, row: $row:ty, db_error: $db:path, conflict: $conflict:path) => {
        const SESSION_COLUMNS: &str = "id, token_hash, tenant_id, connection_id, user_id, email, idp_groups, created_at, expires_at";

        pub(crate) async fn create_session(conn: &mut $conn, s: &$crate::SsoSession) -> $crate::StoreResult<()> {
            let groups = ::serde_json::to_string(&s.idp_groups).map_err(|e| $crate::StoreError::Database(e.to_string()))?;
            ::sqlx::query(&format!("INSERT INTO sso_sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
                .bind(&s.id)
                .bind(&s.token_hash)
                .bind(s.tenant_id)
                .bind(&s.connection_id)
                .bind(&s.user_id)
                .bind(&s.email)
                .bind(groups)
                .bind(s.created_at)
                .bind(s.expires_at)
                .execute(&mut *conn)
                .await
                .map_err($conflict)?;
            Ok(())
        }

        fn session_row(row: &$row) -> ::std::result::Result<$crate::SsoSession, ::sqlx::Error> {
            use ::sqlx::Row as _;
            let groups: String = row.try_get(6)?;
            Ok($crate::SsoSession {
                id: row.try_get(0)?,
                token_hash: row.try_get(1)?,
                tenant_id: row.try_get(2)?,
                connection_id: row.try_get(3)?,
                user_id: row.try_get(4)?,
                email: row.try_get(5)?,
                idp_groups: ::serde_json::from_str(&groups).unwrap_or_default(),
                created_at: row.try_get(7)?,
                expires_at: row.try_get(8)?,
            })
        }

        /// An unexpired session by the hash of its cookie.
        pub(crate) async fn session_by_hash(
            conn: &mut $conn,
            hash: &[u8],
            now: $crate::Micros,
        ) -> $crate::StoreResult<Option<$crate::SsoSession>> {
            let row = ::sqlx::query(&format!("SELECT {SESSION_COLUMNS} FROM sso_sessions WHERE token_hash = $1 AND expires_at > $2"))
                .bind(hash)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await
                .map_err($db)?;
            row.as_ref().map(session_row).transpose().map_err($db)
        }

        /// A session by id, expired or not (until it is pruned).
        pub(crate) async fn session_by_id(conn: &mut $conn, id: &str) -> $crate::StoreResult<Option<$crate::SsoSession>> {
            let row = ::sqlx::query(&format!("SELECT {SESSION_COLUMNS} FROM sso_sessions WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await
                .map_err($db)?;
            row.as_ref().map(session_row).transpose().map_err($db)
        }
    };
}
