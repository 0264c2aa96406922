-- SAML single sign-on: connections (a tenant's identity providers), the
-- email domains each serves (unique across tenants), AuthnRequests issued
-- (single use), assertion IDs seen (replay cache) and browser sessions.
CREATE TABLE sso_connections (
    id TEXT PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    idp_kind TEXT NOT NULL,
    idp_entity_id TEXT NOT NULL,
    sso_url TEXT NOT NULL,
    certificates TEXT NOT NULL,
    metadata_url TEXT,
    metadata_fetched_at BIGINT,
    attribute_map TEXT NOT NULL,
    jit BOOLEAN NOT NULL,
    allow_idp_initiated BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (tenant_id, name)
);
CREATE INDEX sso_connections_metadata_url ON sso_connections (metadata_fetched_at) WHERE metadata_url IS NOT NULL;

CREATE TABLE sso_domains (
    domain TEXT PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE
);
CREATE INDEX sso_domains_connection ON sso_domains (connection_id);

CREATE TABLE sso_requests (
    id TEXT PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
    return_to TEXT,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sso_requests_expires ON sso_requests (expires_at);

CREATE TABLE sso_assertions (
    connection_id TEXT NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
    assertion_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (connection_id, assertion_id)
);
CREATE INDEX sso_assertions_expires ON sso_assertions (expires_at);

CREATE TABLE sso_sessions (
    id TEXT PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sso_sessions_expires ON sso_sessions (expires_at);
