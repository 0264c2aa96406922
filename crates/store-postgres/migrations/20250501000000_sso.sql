-- SAML single sign-on (mirrors the SQLite migration of the same name).
CREATE TABLE sso_connections (
    id TEXT COLLATE "C" CONSTRAINT sso_connections_pkey PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name TEXT COLLATE "C" NOT NULL,
    idp_kind TEXT COLLATE "C" NOT NULL,
    idp_entity_id TEXT COLLATE "C" NOT NULL,
    sso_url TEXT COLLATE "C" NOT NULL,
    certificates TEXT COLLATE "C" NOT NULL,
    metadata_url TEXT COLLATE "C",
    metadata_fetched_at BIGINT,
    attribute_map TEXT COLLATE "C" NOT NULL,
    jit BOOLEAN NOT NULL,
    allow_idp_initiated BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT sso_connections_tenant_id_name_key UNIQUE (tenant_id, name)
);
CREATE INDEX sso_connections_metadata_url ON sso_connections (metadata_fetched_at) WHERE metadata_url IS NOT NULL;

CREATE TABLE sso_domains (
    domain TEXT COLLATE "C" CONSTRAINT sso_domains_pkey PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connection_id TEXT COLLATE "C" NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE
);
CREATE INDEX sso_domains_connection ON sso_domains (connection_id);

CREATE TABLE sso_requests (
    id TEXT COLLATE "C" CONSTRAINT sso_requests_pkey PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connection_id TEXT COLLATE "C" NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
    return_to TEXT COLLATE "C",
    expires_at BIGINT NOT NULL
);
CREATE INDEX sso_requests_expires ON sso_requests (expires_at);

CREATE TABLE sso_assertions (
    connection_id TEXT COLLATE "C" NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
    assertion_id TEXT COLLATE "C" NOT NULL,
    expires_at BIGINT NOT NULL,
    CONSTRAINT sso_assertions_pkey PRIMARY KEY (connection_id, assertion_id)
);
CREATE INDEX sso_assertions_expires ON sso_assertions (expires_at);

CREATE TABLE sso_sessions (
    id TEXT COLLATE "C" CONSTRAINT sso_sessions_pkey PRIMARY KEY,
    token_hash BYTEA NOT NULL CONSTRAINT sso_sessions_token_hash_key UNIQUE,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connection_id TEXT COLLATE "C" NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
    user_id TEXT COLLATE "C" NOT NULL,
    email TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sso_sessions_expires ON sso_sessions (expires_at);
