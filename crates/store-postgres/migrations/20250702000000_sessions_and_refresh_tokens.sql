-- The groups the IdP asserted at sign-in (JSON array of names), handed to
-- the application in ID tokens beside the SCIM groups.
ALTER TABLE sso_sessions ADD COLUMN idp_groups TEXT COLLATE "C" NOT NULL DEFAULT '[]';

-- Signing out ends one session and revokes the access tokens issued from it.
CREATE INDEX oidc_access_tokens_session ON oidc_access_tokens (session_id);

-- Refresh tokens (scope offline_access): single use, rotated within a
-- family that began with one authorization code; the family ends at a
-- fixed time, and a reused token revokes it.
CREATE TABLE oidc_refresh_tokens (
    token_hash BYTEA PRIMARY KEY,
    family BYTEA NOT NULL,
    client_id TEXT COLLATE "C" NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id TEXT COLLATE "C" NOT NULL,
    session_id TEXT COLLATE "C" NOT NULL,
    scope TEXT COLLATE "C" NOT NULL,
    auth_time BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX oidc_refresh_tokens_family ON oidc_refresh_tokens (family);
CREATE INDEX oidc_refresh_tokens_session ON oidc_refresh_tokens (session_id);
CREATE INDEX oidc_refresh_tokens_user ON oidc_refresh_tokens (tenant_id, user_id);
CREATE INDEX oidc_refresh_tokens_expires ON oidc_refresh_tokens (expires_at);
