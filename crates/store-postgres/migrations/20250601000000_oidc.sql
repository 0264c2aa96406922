-- OpenID Connect provider: the applications (clients) that sign people in
-- through Lanyard, the keys that sign ID tokens, authorization codes
-- (single use) and access tokens for /userinfo. Codes and tokens are
-- stored as SHA-256 of the value handed out.
CREATE TABLE oidc_clients (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL UNIQUE,
    secret_hash BYTEA,
    redirect_uris TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE oidc_signing_keys (
    id TEXT COLLATE "C" PRIMARY KEY,
    private_key_der BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE oidc_codes (
    code_hash BYTEA PRIMARY KEY,
    client_id TEXT COLLATE "C" NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id TEXT COLLATE "C" NOT NULL,
    session_id TEXT COLLATE "C" NOT NULL,
    redirect_uri TEXT COLLATE "C" NOT NULL,
    scope TEXT COLLATE "C" NOT NULL,
    nonce TEXT COLLATE "C",
    code_challenge TEXT COLLATE "C" NOT NULL,
    auth_time BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX oidc_codes_expires ON oidc_codes (expires_at);

CREATE TABLE oidc_access_tokens (
    token_hash BYTEA PRIMARY KEY,
    code_hash BYTEA NOT NULL,
    client_id TEXT COLLATE "C" NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id TEXT COLLATE "C" NOT NULL,
    session_id TEXT COLLATE "C" NOT NULL,
    scope TEXT COLLATE "C" NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX oidc_access_tokens_code ON oidc_access_tokens (code_hash);
CREATE INDEX oidc_access_tokens_user ON oidc_access_tokens (tenant_id, user_id);
CREATE INDEX oidc_access_tokens_expires ON oidc_access_tokens (expires_at);

CREATE INDEX sso_sessions_user ON sso_sessions (tenant_id, user_id);
