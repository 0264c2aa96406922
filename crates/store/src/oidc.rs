//! OpenID Connect provider records: client applications, ID token signing
//! keys, authorization codes, access tokens and refresh tokens.
//!
//! The SQL is the same on every backend (`$n` placeholders work on SQLite
//! and PostgreSQL alike), so it is written once, in [`impl_oidc_store!`],
//! which each backend expands over its own connection type.

use async_trait::async_trait;

use crate::{Micros, StoreResult, TenantId};

/// An application that signs people in through Lanyard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcClient {
    /// The `client_id`.
    pub id: String,
    pub name: String,
    /// SHA-256 of the client secret; `None` for a public client (PKCE only).
    pub secret_hash: Option<Vec<u8>>,
    /// Exact redirect URIs the client may use.
    pub redirect_uris: Vec<String>,
    pub created_at: Micros,
}

/// An RSA key that signs ID tokens; the newest signs, all are published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    /// The `kid`.
    pub id: String,
    /// PKCS#1 DER (RSAPrivateKey).
    pub private_key_der: Vec<u8>,
    pub created_at: Micros,
}

/// An authorization code handed to a client's redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    pub code_hash: Vec<u8>,
    pub client_id: String,
    pub tenant_id: TenantId,
    pub user_id: String,
    /// The SSO session the code was issued from.
    pub session_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
    pub auth_time: Micros,
    pub expires_at: Micros,
}

/// What redeeming a code found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption {
    /// Unused and unexpired: now marked used.
    Redeemed(AuthorizationCode),
    /// Used before: a replay (the tokens issued for it must be revoked).
    AlreadyUsed(AuthorizationCode),
    /// Unknown or expired.
    Unknown,
}

/// An access token for `/userinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub token_hash: Vec<u8>,
    /// The code it was issued for.
    pub code_hash: Vec<u8>,
    pub client_id: String,
    pub tenant_id: TenantId,
    pub user_id: String,
    pub session_id: String,
    pub scope: String,
    pub expires_at: Micros,
}

/// A refresh token (scope `offline_access`). Each is used once and hands
/// out the next one of its family; a used one coming back revokes the family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub token_hash: Vec<u8>,
    /// The hash of the authorization code the family began with (access
    /// tokens of the family carry it as their `code_hash`).
    pub family: Vec<u8>,
    pub client_id: String,
    pub tenant_id: TenantId,
    pub user_id: String,
    pub session_id: String,
    pub scope: String,
    pub auth_time: Micros,
    /// The family's end: rotation does not extend it.
    pub expires_at: Micros,
}

/// What presenting a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshUse {
    /// Unused and unexpired: now marked used.
    Fresh(RefreshToken),
    /// Used before: a replay (its family must be revoked).
    Reused(RefreshToken),
    /// Unknown, revoked or expired.
    Unknown,
}

#[async_trait]
pub trait OidcStore: Send + Sync {
    /// Saves a client; a name in use is `Conflict { what: "name" }`.
    async fn create_oidc_client(&self, client: &OidcClient) -> StoreResult<()>;
    async fn oidc_clients(&self) -> StoreResult<Vec<OidcClient>>;
    async fn oidc_client(&self, id: &str) -> StoreResult<Option<OidcClient>>;
    /// Deletes a client with its codes and tokens.
    async fn delete_oidc_client(&self, id: &str) -> StoreResult<bool>;

    /// Every signing key, newest first.
    async fn signing_keys(&self) -> StoreResult<Vec<SigningKey>>;
    async fn insert_signing_key(&self, key: &SigningKey) -> StoreResult<()>;

    async fn insert_authorization_code(&self, code: &AuthorizationCode) -> StoreResult<()>;
    /// Marks the code used at `now`, once.
    async fn redeem_authorization_code(&self, code_hash: &[u8], now: Micros) -> StoreResult<Redemption>;
    async fn insert_access_token(&self, token: &AccessToken) -> StoreResult<()>;
    /// An unexpired access token.
    async fn access_token(&self, token_hash: &[u8], now: Micros) -> StoreResult<Option<AccessToken>>;
    async fn insert_refresh_token(&self, token: &RefreshToken) -> StoreResult<()>;
    /// A refresh token as stored, and whether it was used; expired or not.
    async fn refresh_token(&self, token_hash: &[u8]) -> StoreResult<Option<(RefreshToken, bool)>>;
    /// Marks the refresh token used at `now`, once.
    async fn use_refresh_token(&self, token_hash: &[u8], now: Micros) -> StoreResult<RefreshUse>;
    /// Revokes the access and refresh tokens issued for a code (its whole
    /// refresh family); returns how many.
    async fn revoke_tokens_of_code(&self, code_hash: &[u8]) -> StoreResult<u64>;
    /// Ends one SSO session (sign-out) and revokes the access and refresh
    /// tokens issued from it.
    async fn end_session(&self, session_id: &str) -> StoreResult<u64>;
    /// Deletes expired codes and tokens.
    async fn prune_oidc(&self, now: Micros) -> StoreResult<u64>;
}

/// Implements [`OidcStore`] for a backend's store type. `$read` and
/// `$write` name the store's methods that hand out a pooled connection for
/// reading and for writing, `$row` its row type, `$db` its
/// `fn(sqlx::Error) -> StoreError`; the backend crate must depend on `sqlx`
/// and `async-trait`.
#[macro_export]
macro_rules! impl_oidc_store {
    ($store:ty, row: $row:ty, read: $read:ident, write: $write:ident, db_error: $db:path) => {
        const OIDC_CLIENT_COLUMNS: &str = "id, name, secret_hash, redirect_uris, created_at";
        const OIDC_CODE_COLUMNS: &str = "code_hash, client_id, tenant_id, user_id, session_id, redirect_uri, scope, nonce, \
             code_challenge, auth_time, expires_at, used_at";
        const OIDC_TOKEN_COLUMNS: &str = "token_hash, code_hash, client_id, tenant_id, user_id, session_id, scope, expires_at";
        const OIDC_REFRESH_COLUMNS: &str =
            "token_hash, family, client_id, tenant_id, user_id, session_id, scope, auth_time, expires_at, used_at";

        /// A refresh token row and whether it was used.
        fn oidc_refresh_row(row: &$row) -> ::std::result::Result<($crate::RefreshToken, bool), ::sqlx::Error> {
            use ::sqlx::Row as _;
            let used_at: Option<i64> = row.try_get(9)?;
            let token = $crate::RefreshToken {
                token_hash: row.try_get(0)?,
                family: row.try_get(1)?,
                client_id: row.try_get(2)?,
                tenant_id: row.try_get(3)?,
                user_id: row.try_get(4)?,
                session_id: row.try_get(5)?,
                scope: row.try_get(6)?,
                auth_time: row.try_get(7)?,
                expires_at: row.try_get(8)?,
            };
            Ok((token, used_at.is_some()))
        }

        fn oidc_client_row(row: &$row) -> ::std::result::Result<$crate::OidcClient, ::sqlx::Error> {
            use ::sqlx::Row as _;
            let uris: String = row.try_get(3)?;
            Ok($crate::OidcClient {
                id: row.try_get(0)?,
                name: row.try_get(1)?,
                secret_hash: row.try_get(2)?,
                redirect_uris: uris.split_whitespace().map(str::to_string).collect(),
                created_at: row.try_get(4)?,
            })
        }

        /// A code row and whether it was used.
        fn oidc_code_row(row: &$row) -> ::std::result::Result<($crate::AuthorizationCode, bool), ::sqlx::Error> {
            use ::sqlx::Row as _;
            let used_at: Option<i64> = row.try_get(11)?;
            let code = $crate::AuthorizationCode {
                code_hash: row.try_get(0)?,
                client_id: row.try_get(1)?,
                tenant_id: row.try_get(2)?,
                user_id: row.try_get(3)?,
                session_id: row.try_get(4)?,
                redirect_uri: row.try_get(5)?,
                scope: row.try_get(6)?,
                nonce: row.try_get(7)?,
                code_challenge: row.try_get(8)?,
                auth_time: row.try_get(9)?,
                expires_at: row.try_get(10)?,
            };
            Ok((code, used_at.is_some()))
        }

        fn oidc_token_row(row: &$row) -> ::std::result::Result<$crate::AccessToken, ::sqlx::Error> {
            use ::sqlx::Row as _;
            Ok($crate::AccessToken {
                token_hash: row.try_get(0)?,
                code_hash: row.try_get(1)?,
                client_id: row.try_get(2)?,
                tenant_id: row.try_get(3)?,
                user_id: row.try_get(4)?,
                session_id: row.try_get(5)?,
                scope: row.try_get(6)?,
                expires_at: row.try_get(7)?,
            })
        }

        fn oidc_write_error(e: ::sqlx::Error) -> $crate::StoreError {
            if let ::sqlx::Error::Database(d) = &e {
                if d.is_unique_violation() {
                    return $crate::StoreError::Conflict { what: "name" };
                }
                if d.is_foreign_key_violation() {
                    return $crate::StoreError::NotFound;
                }
            }
            $db(e)
        }

        #[::async_trait::async_trait]
        impl $crate::OidcStore for $store {
            async fn create_oidc_client(&self, c: &$crate::OidcClient) -> $crate::StoreResult<()> {
                ::sqlx::query(&format!("INSERT INTO oidc_clients ({OIDC_CLIENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5)"))
                    .bind(&c.id)
                    .bind(&c.name)
                    .bind(&c.secret_hash)
                    .bind(c.redirect_uris.join(" "))
                    .bind(c.created_at)
                    .execute(&mut *self.$write().await?)
                    .await
                    .map_err(oidc_write_error)?;
                Ok(())
            }

            async fn oidc_clients(&self) -> $crate::StoreResult<Vec<$crate::OidcClient>> {
                let rows = ::sqlx::query(&format!("SELECT {OIDC_CLIENT_COLUMNS} FROM oidc_clients ORDER BY created_at, id"))
                    .fetch_all(&mut *self.$read().await?)
                    .await
                    .map_err($db)?;
                rows.iter().map(|r| oidc_client_row(r).map_err($db)).collect()
            }

            async fn oidc_client(&self, id: &str) -> $crate::StoreResult<Option<$crate::OidcClient>> {
                let row = ::sqlx::query(&format!("SELECT {OIDC_CLIENT_COLUMNS} FROM oidc_clients WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *self.$read().await?)
                    .await
                    .map_err($db)?;
                row.as_ref().map(oidc_client_row).transpose().map_err($db)
            }

            async fn delete_oidc_client(&self, id: &str) -> $crate::StoreResult<bool> {
                let done = ::sqlx::query("DELETE FROM oidc_clients WHERE id = $1")
                    .bind(id)
                    .execute(&mut *self.$write().await?)
                    .await
                    .map_err($db)?;
                Ok(done.rows_affected() > 0)
            }

            async fn signing_keys(&self) -> $crate::StoreResult<Vec<$crate::SigningKey>> {
                let rows = ::sqlx::query("SELECT id, private_key_der, created_at FROM oidc_signing_keys ORDER BY created_at DESC, id")
                    .fetch_all(&mut *self.$read().await?)
                    .await
                    .map_err($db)?;
                rows.iter()
                    .map(|row| {
                        use ::sqlx::Row as _;
                        Ok($crate::SigningKey {
                            id: row.try_get(0).map_err($db)?,
                            private_key_der: row.try_get(1).map_err($db)?,
                            created_at: row.try_get(2).map_err($db)?,
                        })
                    })
                    .collect()
            }

            async fn insert_signing_key(&self, key: &$crate::SigningKey) -> $crate::StoreResult<()> {
                ::sqlx::query("INSERT INTO oidc_signing_keys (id, private_key_der, created_at) VALUES ($1, $2, $3)")
                    .bind(&key.id)
                    .bind(&key.private_key_der)
                    .bind(key.created_at)
                    .execute(&mut *self.$write().await?)
                    .await
                    .map_err(oidc_write_error)?;
                Ok(())
            }

            async fn insert_authorization_code(&self, c: &$crate::AuthorizationCode) -> $crate::StoreResult<()> {
                ::sqlx::query(&format!(
                    "INSERT INTO oidc_codes ({OIDC_CODE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL)"
                ))
                .bind(&c.code_hash)
                .bind(&c.client_id)
                .bind(c.tenant_id)
                .bind(&c.user_id)
                .bind(&c.session_id)
                .bind(&c.redirect_uri)
                .bind(&c.scope)
                .bind(&c.nonce)
                .bind(&c.code_challenge)
                .bind(c.auth_time)
                .bind(c.expires_at)
                .execute(&mut *self.$write().await?)
                .await
                .map_err(oidc_write_error)?;
                Ok(())
            }

            async fn redeem_authorization_code(&self, code_hash: &[u8], now: $crate::Micros) -> $crate::StoreResult<$crate::Redemption> {
                let mut conn = self.$write().await?;
                let redeemed = ::sqlx::query(&format!(
                    "UPDATE oidc_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2 \
                     RETURNING {OIDC_CODE_COLUMNS}"
                ))
                .bind(code_hash)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await
                .map_err($db)?;
                if let Some(row) = redeemed {
                    let (code, _) = oidc_code_row(&row).map_err($db)?;
                    return Ok($crate::Redemption::Redeemed(code));
                }
                let seen = ::sqlx::query(&format!("SELECT {OIDC_CODE_COLUMNS} FROM oidc_codes WHERE code_hash = $1"))
                    .bind(code_hash)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err($db)?;
                match seen.as_ref().map(oidc_code_row).transpose().map_err($db)? {
                    Some((code, true)) => Ok($crate::Redemption::AlreadyUsed(code)),
                    _ => Ok($crate::Redemption::Unknown),
                }
            }

            async fn insert_access_token(&self, t: &$crate::AccessToken) -> $crate::StoreResult<()> {
                ::sqlx::query(&format!("INSERT INTO oidc_access_tokens ({OIDC_TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
                    .bind(&t.token_hash)
                    .bind(&t.code_hash)
                    .bind(&t.client_id)
                    .bind(t.tenant_id)
                    .bind(&t.user_id)
                    .bind(&t.session_id)
                    .bind(&t.scope)
                    .bind(t.expires_at)
                    .execute(&mut *self.$write().await?)
                    .await
                    .map_err(oidc_write_error)?;
                Ok(())
            }

            async fn access_token(&self, token_hash: &[u8], now: $crate::Micros) -> $crate::StoreResult<Option<$crate::AccessToken>> {
                let row = ::sqlx::query(&format!(
                    "SELECT {OIDC_TOKEN_COLUMNS} FROM oidc_access_tokens WHERE token_hash = $1 AND expires_at > $2"
                ))
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&mut *self.$read().await?)
                .await
                .map_err($db)?;
                row.as_ref().map(oidc_token_row).transpose().map_err($db)
            }

            async fn insert_refresh_token(&self, t: &$crate::RefreshToken) -> $crate::StoreResult<()> {
                ::sqlx::query(&format!(
                    "INSERT INTO oidc_refresh_tokens ({OIDC_REFRESH_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)"
                ))
                .bind(&t.token_hash)
                .bind(&t.family)
                .bind(&t.client_id)
                .bind(t.tenant_id)
                .bind(&t.user_id)
                .bind(&t.session_id)
                .bind(&t.scope)
                .bind(t.auth_time)
                .bind(t.expires_at)
                .execute(&mut *self.$write().await?)
                .await
                .map_err(oidc_write_error)?;
                Ok(())
            }

            async fn refresh_token(&self, token_hash: &[u8]) -> $crate::StoreResult<Option<($crate::RefreshToken, bool)>> {
                let row = ::sqlx::query(&format!("SELECT {OIDC_REFRESH_COLUMNS} FROM oidc_refresh_tokens WHERE token_hash = $1"))
                    .bind(token_hash)
                    .fetch_optional(&mut *self.$read().await?)
                    .await
                    .map_err($db)?;
                row.as_ref().map(oidc_refresh_row).transpose().map_err($db)
            }

            async fn use_refresh_token(&self, token_hash: &[u8], now: $crate::Micros) -> $crate::StoreResult<$crate::RefreshUse> {
                let mut conn = self.$write().await?;
                let used = ::sqlx::query(&format!(
                    "UPDATE oidc_refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
                     RETURNING {OIDC_REFRESH_COLUMNS}"
                ))
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await
                .map_err($db)?;
                if let Some(row) = used {
                    let (token, _) = oidc_refresh_row(&row).map_err($db)?;
                    return Ok($crate::RefreshUse::Fresh(token));
                }
                let seen = ::sqlx::query(&format!("SELECT {OIDC_REFRESH_COLUMNS} FROM oidc_refresh_tokens WHERE token_hash = $1"))
                    .bind(token_hash)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err($db)?;
                match seen.as_ref().map(oidc_refresh_row).transpose().map_err($db)? {
                    Some((token, true)) => Ok($crate::RefreshUse::Reused(token)),
                    _ => Ok($crate::RefreshUse::Unknown),
                }
            }

            async fn revoke_tokens_of_code(&self, code_hash: &[u8]) -> $crate::StoreResult<u64> {
                let mut conn = self.$write().await?;
                let mut revoked = 0;
                for (table, column) in [("oidc_access_tokens", "code_hash"), ("oidc_refresh_tokens", "family")] {
                    let done = ::sqlx::query(&format!("DELETE FROM {table} WHERE {column} = $1"))
                        .bind(code_hash)
                        .execute(&mut *conn)
                        .await
                        .map_err($db)?;
                    revoked += done.rows_affected();
                }
                Ok(revoked)
            }

            async fn end_session(&self, session_id: &str) -> $crate::StoreResult<u64> {
                let mut conn = self.$write().await?;
                let mut ended = 0;
                let tables = [("sso_sessions", "id"), ("oidc_access_tokens", "session_id"), ("oidc_refresh_tokens", "session_id")];
                for (table, column) in tables {
                    let done = ::sqlx::query(&format!("DELETE FROM {table} WHERE {column} = $1"))
                        .bind(session_id)
                        .execute(&mut *conn)
                        .await
                        .map_err($db)?;
                    ended += done.rows_affected();
                }
                Ok(ended)
            }

            async fn prune_oidc(&self, now: $crate::Micros) -> $crate::StoreResult<u64> {
                let mut conn = self.$write().await?;
                let mut pruned = 0;
                for table in ["oidc_codes", "oidc_access_tokens", "oidc_refresh_tokens"] {
                    let done = ::sqlx::query(&format!("DELETE FROM {table} WHERE expires_at <= $1"))
                        .bind(now)
                        .execute(&mut *conn)
                        .await
                        .map_err($db)?;
                    pruned += done.rows_affected();
                }
                Ok(pruned)
            }
        }
    };
}
