-- Operator API keys (mirrors the SQLite migration of the same name).
CREATE TABLE api_keys (
    id TEXT COLLATE "C" CONSTRAINT api_keys_pkey PRIMARY KEY,
    tenant_id BIGINT REFERENCES tenants (id) ON DELETE CASCADE,
    key_hash BYTEA NOT NULL CONSTRAINT api_keys_key_hash_key UNIQUE,
    label TEXT COLLATE "C",
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
