-- The event outbox: every change for the application, written in the
-- transaction of the change. `tx_order` orders events by transaction; on
-- SQLite (one writer, commit order = id order) it is always 0.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    tx_order BIGINT NOT NULL DEFAULT 0,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    resource_type TEXT,
    resource_id TEXT,
    data TEXT NOT NULL
);
CREATE INDEX events_feed ON events (tx_order, id);
CREATE INDEX events_tenant_feed ON events (tenant_id, tx_order, id);
