-- The default listing order is creation order (pk) within a tenant. Without
-- these, every page sorted the whole tenant (a million rows per page).
CREATE INDEX users_listing ON users (tenant_id, pk);
CREATE INDEX groups_listing ON groups (tenant_id, pk);
