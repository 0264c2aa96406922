-- Webhook endpoints: global when tenant_id is NULL, else for one tenant.
-- The secret is kept (it signs every delivery, so it cannot be hashed).
-- `event_types` is a comma-separated list, NULL for every type.
-- Each endpoint delivers the feed in order from its cursor
-- (`cursor_tx`, `cursor_id`: the feed position delivered up to); `attempts`
-- counts failed attempts of the event after the cursor, `next_attempt_at`
-- says when to try next. One instance at a time works on an endpoint: the
-- one whose lease (`lease_owner`, `lease_until`) is current.
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    tenant_id BIGINT REFERENCES tenants (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    event_types TEXT,
    enabled BOOLEAN NOT NULL,
    disabled_reason TEXT,
    created_at BIGINT NOT NULL,
    cursor_tx BIGINT NOT NULL,
    cursor_id BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT
);
CREATE INDEX webhook_endpoints_due ON webhook_endpoints (enabled, next_attempt_at);

-- The delivery log: one row per attempt (and per replay).
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id BIGINT NOT NULL,
    attempt BIGINT NOT NULL,
    at BIGINT NOT NULL,
    status BIGINT,
    error TEXT,
    response TEXT,
    duration_ms BIGINT NOT NULL,
    replay BOOLEAN NOT NULL
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_at ON webhook_deliveries (at);
