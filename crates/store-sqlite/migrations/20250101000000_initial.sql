-- Lanyard's schema. Kept to SQL that PostgreSQL accepts with the same
-- meaning (its own migrations folder mirrors this one); timestamps are
-- BIGINT microseconds since the Unix epoch, UTC. Every key and index of
-- tenant data leads with tenant_id.

CREATE TABLE tenants (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    seat_limit BIGINT,
    seats_assigned BIGINT NOT NULL DEFAULT 0,
    seats_pending BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE scim_tokens (
    id TEXT PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    token_hash BLOB NOT NULL UNIQUE,
    label TEXT,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    expires_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX scim_tokens_tenant ON scim_tokens (tenant_id, created_at);

-- pk is the creation order: the default listing order and the tie-break
-- of every sort.
CREATE TABLE users (
    pk INTEGER PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    user_name_ci TEXT NOT NULL,
    external_id TEXT,
    display_name TEXT,
    display_name_ci TEXT,
    active BOOLEAN NOT NULL,
    doc TEXT NOT NULL,
    password_hash TEXT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    modified_at BIGINT NOT NULL,
    seat_status TEXT NOT NULL,
    seat_assigned_at BIGINT,
    seat_pending_since BIGINT,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, user_name_ci)
);
CREATE INDEX users_external_id ON users (tenant_id, external_id);
CREATE INDEX users_display_name ON users (tenant_id, display_name_ci);
CREATE INDEX users_seat_queue ON users (tenant_id, seat_status, seat_pending_since, pk);

-- One row per email of a user, rewritten on every update of the user.
CREATE TABLE user_emails (
    tenant_id BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    value_ci TEXT NOT NULL,
    type_ci TEXT,
    is_primary BOOLEAN NOT NULL,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX user_emails_value ON user_emails (tenant_id, value_ci);
CREATE INDEX user_emails_user ON user_emails (tenant_id, user_id);

CREATE TABLE groups (
    pk INTEGER PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    display_name_ci TEXT NOT NULL,
    external_id TEXT,
    doc TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    modified_at BIGINT NOT NULL,
    member_count BIGINT NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, display_name_ci)
);
CREATE INDEX groups_external_id ON groups (tenant_id, external_id);

-- A member is a user or a group of the same tenant; seq is the insertion
-- order in which members are listed.
CREATE TABLE group_members (
    seq INTEGER PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    group_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    member_type TEXT NOT NULL,
    UNIQUE (tenant_id, group_id, member_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX group_members_member ON group_members (tenant_id, member_id);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    resource_type TEXT,
    resource_id TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX audit_events_tenant ON audit_events (tenant_id, id);
