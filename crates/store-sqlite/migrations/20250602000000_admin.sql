-- Admin accounts of the web pages and the admin API: an operator (every
-- tenant) or a tenant admin (tenant_id set). Passwords are argon2id PHC
-- strings; email is stored lower-case.
CREATE TABLE admin_accounts (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    tenant_id BIGINT REFERENCES tenants (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_login_at BIGINT
);

-- Signed-in admins: only the SHA-256 of the cookie value is kept.
CREATE TABLE admin_sessions (
    token_hash BLOB PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES admin_accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX admin_sessions_account ON admin_sessions (account_id);
CREATE INDEX admin_sessions_expires ON admin_sessions (expires_at);

-- One-time links that create the first operator (hashes only).
CREATE TABLE admin_setup_tokens (
    token_hash BLOB PRIMARY KEY,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- The last requests of each tenant's SCIM clients (method, path without
-- the query, status), to debug a failed "Test Connection"; trimmed to the
-- newest few hundred per tenant.
CREATE TABLE provisioning_requests (
    id INTEGER PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    duration_micros BIGINT NOT NULL
);
CREATE INDEX provisioning_requests_tenant ON provisioning_requests (tenant_id, id);

-- The audit page filters by actor and pages newest first.
CREATE INDEX audit_events_actor ON audit_events (tenant_id, actor, id);
