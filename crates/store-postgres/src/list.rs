//! Filtered, sorted, paged listings of users and groups.

use lanyard_scim::ScimError;
use lanyard_scim::sql::{SqlMap, SqlValue, sort_expr, where_clause};
use lanyard_store::{ListPlan, ListQuery, ListingStatements, Page, StoreError, StoreResult, TenantId, UserGroupRef};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::bind::bind_all;
use crate::dialect::PgDialect;
use crate::error::db;
use crate::text::has_nul;

/// One table to list: its name, alias, columns and attribute map.
pub(crate) struct Listing<T> {
    pub table: &'static str,
    pub alias: &'static str,
    pub columns: &'static str,
    pub map: &'static SqlMap,
    pub decode: fn(&PgRow) -> StoreResult<T>,
}

pub(crate) fn plan<T>(listing: &Listing<T>, query: &ListQuery) -> StoreResult<ListPlan> {
    let alias = listing.alias;
    let mut next_param = 2;
    let mut condition = format!("{alias}.tenant_id = $1");
    let mut params = Vec::new();
    if let Some(filter) = &query.filter {
        let fragment = where_clause(filter, listing.map, &PgDialect, &mut next_param)?;
        condition.push_str(&format!(" AND ({})", fragment.sql));
        params = fragment.params;
    }
    // Unassigned values sort last either way; creation order breaks ties,
    // so pages never overlap.
    let order = match &query.sort_by {
        Some(attr) => {
            let key = sort_expr(attr, listing.map, &PgDialect)?;
            let direction = if query.descending { "DESC" } else { "ASC" };
            format!("({key}) IS NULL, {key} {direction}, {alias}.pk")
        }
        None => format!("{alias}.pk"),
    };
    Ok(ListPlan { condition, params, order, next_param })
}

/// A user's direct groups as one JSON column (`[[id, displayName], …]`),
/// so a page and its users' groups come back in one round trip.
pub(crate) const USER_GROUPS_COLUMN: &str = "(SELECT COALESCE(json_agg(json_build_array(g.id, g.display_name) ORDER BY gm.seq), '[]')::text \
     FROM group_members gm JOIN groups g ON g.tenant_id = gm.tenant_id AND g.id = gm.group_id \
     WHERE gm.tenant_id = u.tenant_id AND gm.member_id = u.id AND gm.member_type = 'User') AS user_groups";

pub(crate) fn user_groups(row: &PgRow) -> StoreResult<Vec<UserGroupRef>> {
    let user_id: String = row.try_get("id").map_err(db)?;
    let json: String = row.try_get("user_groups").map_err(db)?;
    let pairs: Vec<(String, String)> = serde_json::from_str(&json).map_err(|e| StoreError::Database(format!("user_groups: {e}")))?;
    Ok(pairs.into_iter().map(|(group_id, display)| UserGroupRef { user_id: user_id.clone(), group_id, display }).collect())
}

/// A page and its total. Lookups (a first page that is not full) are one
/// statement; otherwise a `COUNT` follows, without a shared snapshot: under
/// concurrent writes the total may differ from the page by those writes.
pub(crate) async fn list<T>(conn: &mut PgConnection, tenant: TenantId, listing: &Listing<T>, query: &ListQuery) -> StoreResult<Page<T>> {
    let (table, alias) = (listing.table, listing.alias);
    let with_groups = query.include_groups && table == "users";
    let statements = ListingStatements {
        store: "postgres",
        placeholder: '$',
        table,
        alias,
        columns: listing.columns,
        groups_column: with_groups.then_some(USER_GROUPS_COLUMN),
    };
    let prepared = statements.prepare(query, |query| plan(listing, query))?;
    // PostgreSQL text cannot carry U+0000, not even as a parameter.
    if prepared.params.iter().any(|p| matches!(p, SqlValue::Text(t) if has_nul(t))) {
        return Err(StoreError::Scim(ScimError::invalid_filter("A filter value must not contain the character U+0000")));
    }
    let mut items = Vec::new();
    let mut groups = Vec::new();
    let offset = query.offset.max(0);
    if query.limit > 0 {
        let rows = bind_all(sqlx::query(&prepared.page).bind(tenant), &prepared.params)
            .bind(query.limit)
            .bind(offset)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        items = rows.iter().map(listing.decode).collect::<StoreResult<Vec<T>>>()?;
        if with_groups {
            for row in &rows {
                groups.extend(user_groups(row)?);
            }
        }
    }
    // A first page that is not full holds every match: no need to count.
    let total = if query.limit > 0 && offset == 0 && (items.len() as i64) < query.limit {
        items.len() as i64
    } else {
        let rows = bind_all(sqlx::query(&prepared.count).bind(tenant), &prepared.params).fetch_all(&mut *conn).await.map_err(db)?;
        match rows.first() {
            Some(row) => row.try_get(0).map_err(db)?,
            None => 0,
        }
    };
    Ok(Page { total, items, user_groups: groups })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GROUPS, PgOptions, PgStore, USERS, create_scratch_database, drop_database};
    use lanyard_scim::filter::Filter;
    use lanyard_scim::schema::{GROUP_TYPE, ResourceTypeDef, USER_TYPE};
    use lanyard_store::Store;
    use sqlx::Postgres;
    use sqlx::pool::PoolConnection;

    /// The query plan of a listing's page query, one line per step.
    async fn plan_of<T>(conn: &mut PoolConnection<Postgres>, listing: &Listing<T>, rt: &'static ResourceTypeDef, filter: &str) -> String {
        // An empty filter: the unfiltered listing.
        let filter = (!filter.is_empty()).then(|| Filter::parse(filter, rt).unwrap());
        let query = ListQuery { filter, limit: 10, ..Default::default() };
        let plan = plan(listing, &query).unwrap();
        let sql = format!(
            "EXPLAIN SELECT {} FROM {} {} WHERE {} ORDER BY {} LIMIT 10",
            listing.columns, listing.table, listing.alias, plan.condition, plan.order
        );
        let rows = bind_all(sqlx::query(&sql).bind(1_i64), &plan.params).fetch_all(&mut **conn).await.unwrap();
        rows.iter().map(|r| r.get::<String, _>(0)).collect::<Vec<_>>().join("\n")
    }

    #[tokio::test]
    async fn lookups_clients_send_use_an_index() {
        let admin = std::env::var("LANYARD_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let (url, name) = create_scratch_database(&admin).await.unwrap();
        let store = PgStore::connect(&url, PgOptions { pool_size: 1, ..PgOptions::default() }).await.unwrap();
        store.migrate().await.unwrap();
        let mut conn = store.pool().acquire().await.unwrap();
        // Plans for tables of some size, as the planner sees them after ANALYZE.
        let fill = [
            "INSERT INTO tenants (id, slug, name, created_at) SELECT g, 't' || g, 't', 0 FROM generate_series(1, 20) g",
            "INSERT INTO users (tenant_id, id, user_name, user_name_ci, external_id, display_name, display_name_ci, active, doc, \
             version, created_at, modified_at, seat_status) SELECT 1 + g % 20, 'u' || g, 'n' || g, 'n' || g, 'e' || g, 'd' || g, \
             'd' || g, true, '{}', 1, 0, 0, 'none' FROM generate_series(1, 20000) g",
            "INSERT INTO user_emails SELECT tenant_id, id, id || '@x', 'work', true FROM users",
            "INSERT INTO groups (tenant_id, id, display_name, display_name_ci, doc, version, created_at, modified_at) \
             SELECT 1 + g % 20, 'g' || g, 'G' || g, 'g' || g, '{}', 1, 0, 0 FROM generate_series(1, 4000) g",
            "ANALYZE",
        ];
        for sql in fill {
            sqlx::query(sql).execute(&mut *conn).await.unwrap();
        }
        let cases = [
            (plan_of(&mut conn, &USERS, &USER_TYPE, r#"userName eq "a""#).await, "users_tenant_id_user_name_ci_key"),
            (plan_of(&mut conn, &USERS, &USER_TYPE, r#"externalId eq "a""#).await, "users_external_id"),
            (plan_of(&mut conn, &USERS, &USER_TYPE, r#"emails.value eq "a@x""#).await, "user_emails_value"),
            (plan_of(&mut conn, &USERS, &USER_TYPE, r#"emails[type eq "work" and value eq "a@x"]"#).await, "user_emails_value"),
            (plan_of(&mut conn, &USERS, &USER_TYPE, r#"userName sw "ab""#).await, "users_tenant_id_user_name_ci_key"),
            (plan_of(&mut conn, &GROUPS, &GROUP_TYPE, r#"displayName eq "a""#).await, "groups_tenant_id_display_name_ci_key"),
            // Paging in creation order walks an index instead of sorting the
            // tenant (`users_listing`, or the primary key when tenants interleave).
            (plan_of(&mut conn, &USERS, &USER_TYPE, "").await, "Index Scan using users_"),
            (plan_of(&mut conn, &GROUPS, &GROUP_TYPE, "").await, "Index Scan using groups_"),
        ];
        drop(conn);
        store.close().await;
        let _ = drop_database(&admin, &name).await;
        for (plan, index) in cases {
            assert!(plan.contains(index), "{index} not used:\n{plan}");
            assert!(!plan.contains("Seq Scan"), "full scan:\n{plan}");
            // Sorting a lookup's few rows is fine; sorting a whole tenant is not.
            assert!(!index.starts_with("Index Scan") || !plan.contains("Sort"), "sorts:\n{plan}");
        }
    }
}
