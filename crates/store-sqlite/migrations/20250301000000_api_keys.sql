-- Operator API keys (the application's credentials for /api/v1): global
-- when tenant_id is NULL, else limited to that tenant. Only hashes are kept.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    tenant_id BIGINT REFERENCES tenants (id) ON DELETE CASCADE,
    key_hash BLOB NOT NULL UNIQUE,
    label TEXT,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
