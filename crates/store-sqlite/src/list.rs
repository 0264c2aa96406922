//! Filtered, sorted, paged listings of users and groups.

use lanyard_scim::sql::{SqlMap, sort_expr, where_clause};
use lanyard_store::{ListPlan, ListQuery, ListingStatements, Page, StoreError, StoreResult, TenantId, UserGroupRef};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::bind::bind_all;
use crate::dialect::SqliteDialect;
use crate::error::db;

/// One table to list: its name, alias, columns and attribute map.
pub(crate) struct Listing<T> {
    pub table: &'static str,
    pub alias: &'static str,
    pub columns: &'static str,
    pub map: &'static SqlMap,
    pub decode: fn(&SqliteRow) -> StoreResult<T>,
}

fn plan<T>(listing: &Listing<T>, query: &ListQuery) -> StoreResult<ListPlan> {
    let alias = listing.alias;
    let mut next_param = 2;
    let mut condition = format!("{alias}.tenant_id = ?1");
    let mut params = Vec::new();
    if let Some(filter) = &query.filter {
        let fragment = where_clause(filter, listing.map, &SqliteDialect, &mut next_param)?;
        condition.push_str(&format!(" AND ({})", fragment.sql));
        params = fragment.params;
    }
    // Unassigned values sort last either way; creation order breaks ties,
    // so pages never overlap.
    let order = match &query.sort_by {
        Some(attr) => {
            let key = sort_expr(attr, listing.map, &SqliteDialect)?;
            let direction = if query.descending { "DESC" } else { "ASC" };
            format!("({key}) IS NULL, {key} {direction}, {alias}.pk")
        }
        None => format!("{alias}.pk"),
    };
    Ok(ListPlan { condition, params, order, next_param })
}

/// A user's direct groups as one JSON column (`[[id, displayName], …]`),
/// so a page and its users' groups come back in one round trip. Most users
/// are in no group: one probe of the member index gives NULL for them,
/// without the join and the aggregate.
pub(crate) const USER_GROUPS_COLUMN: &str = "CASE WHEN EXISTS (SELECT 1 FROM group_members m \
     WHERE m.tenant_id = u.tenant_id AND m.member_id = u.id) THEN \
     (SELECT json_group_array(json_array(id, name)) FROM \
     (SELECT g.id AS id, g.display_name AS name FROM group_members gm \
      JOIN groups g ON g.tenant_id = gm.tenant_id AND g.id = gm.group_id \
      WHERE gm.tenant_id = u.tenant_id AND gm.member_id = u.id AND gm.member_type = 'User' ORDER BY gm.seq)) END AS user_groups";

pub(crate) fn user_groups(row: &SqliteRow) -> StoreResult<Vec<UserGroupRef>> {
    let Some(json) = row.try_get::<Option<&str>, _>("user_groups").map_err(db)? else { return Ok(Vec::new()) };
    let user_id: String = row.try_get("id").map_err(db)?;
    let pairs: Vec<(String, String)> = serde_json::from_str(json).map_err(|e| StoreError::Database(format!("user_groups: {e}")))?;
    Ok(pairs.into_iter().map(|(group_id, display)| UserGroupRef { user_id: user_id.clone(), group_id, display }).collect())
}

/// A page and its total. Lookups (a first page that is not full) are one
/// statement; otherwise a `COUNT` follows, without a shared snapshot: under
/// concurrent writes the total may differ from the page by those writes.
pub(crate) async fn list<T>(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    listing: &Listing<T>,
    query: &ListQuery,
) -> StoreResult<Page<T>> {
    let (table, alias) = (listing.table, listing.alias);
    let with_groups = query.include_groups && table == "users";
    let statements = ListingStatements {
        store: "sqlite",
        placeholder: '?',
        table,
        alias,
        columns: listing.columns,
        groups_column: with_groups.then_some(USER_GROUPS_COLUMN),
    };
    let prepared = statements.prepare(query, |query| plan(listing, query))?;
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
    use crate::{GROUPS, SqliteStore, USERS};
    use lanyard_scim::filter::Filter;
    use lanyard_scim::schema::{GROUP_TYPE, ResourceTypeDef, USER_TYPE};
    use lanyard_store::Store;

    /// The query plan of a listing's page query, one line per step.
    async fn plan_of<T>(store: &SqliteStore, listing: &Listing<T>, rt: &'static ResourceTypeDef, filter: &str) -> String {
        // An empty filter: the unfiltered listing.
        let filter = (!filter.is_empty()).then(|| Filter::parse(filter, rt).unwrap());
        let query = ListQuery { filter, limit: 10, ..Default::default() };
        let plan = plan(listing, &query).unwrap();
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT {} FROM {} {} WHERE {} ORDER BY {} LIMIT 10",
            listing.columns, listing.table, listing.alias, plan.condition, plan.order
        );
        let mut conn = store.read().await.unwrap();
        let rows = bind_all(sqlx::query(&sql).bind(1_i64), &plan.params).fetch_all(&mut *conn).await.unwrap();
        rows.iter().map(|r| r.get::<String, _>("detail")).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn remembered_statements_take_each_filters_own_values() {
        let statements = ListingStatements {
            store: "sqlite test",
            placeholder: '?',
            table: USERS.table,
            alias: USERS.alias,
            columns: USERS.columns,
            groups_column: None,
        };
        let query = |filter: &str, sort: Option<&str>| ListQuery {
            filter: Some(Filter::parse(filter, &USER_TYPE).unwrap()),
            sort_by: sort.map(|s| USER_TYPE.resolve_path(None, s, None).unwrap()),
            limit: 10,
            ..Default::default()
        };
        // Twice each: the second comes from memory where the shape allows.
        for filter in [r#"userName eq "Ann""#, r#"userName eq "BOB""#, r#"userName sw "Ca%""#, r#"userName sw "D_""#] {
            for sort in [None, Some("displayName")] {
                for _ in 0..2 {
                    let query = query(filter, sort);
                    let prepared = statements.prepare(&query, |q| plan(&USERS, q)).unwrap();
                    let direct = plan(&USERS, &query).unwrap();
                    assert_eq!(prepared.params, direct.params, "{filter}");
                    assert!(
                        prepared.page.contains(&format!("WHERE {} ORDER BY {} LIMIT", direct.condition, direct.order)),
                        "{}",
                        prepared.page
                    );
                    assert!(prepared.count.ends_with(&format!("WHERE {}", direct.condition)), "{}", prepared.count);
                }
            }
        }
    }

    #[tokio::test]
    async fn lookups_clients_send_use_an_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("plan.db").to_str().unwrap()).await.unwrap();
        store.migrate().await.unwrap();
        let cases = [
            (plan_of(&store, &USERS, &USER_TYPE, r#"userName eq "a""#).await, "sqlite_autoindex_users_2"),
            (plan_of(&store, &USERS, &USER_TYPE, r#"externalId eq "a""#).await, "users_external_id"),
            (plan_of(&store, &USERS, &USER_TYPE, r#"emails.value eq "a@x""#).await, "user_emails_value"),
            (plan_of(&store, &USERS, &USER_TYPE, r#"emails[type eq "work" and value eq "a@x"]"#).await, "user_emails_value"),
            (plan_of(&store, &GROUPS, &GROUP_TYPE, r#"displayName eq "a""#).await, "sqlite_autoindex_groups_2"),
            // Paging in creation order walks an index instead of sorting the tenant.
            (plan_of(&store, &USERS, &USER_TYPE, "").await, "users_listing"),
            (plan_of(&store, &GROUPS, &GROUP_TYPE, "").await, "groups_listing"),
        ];
        for (plan, index) in cases {
            assert!(plan.contains(index), "{index} not used:\n{plan}");
            assert!(!plan.lines().any(|l| l.starts_with("SCAN")), "full scan:\n{plan}");
            // Sorting a lookup's few rows is fine; sorting a whole tenant is not.
            assert!(!index.ends_with("_listing") || !plan.contains("TEMP B-TREE"), "sorts:\n{plan}");
        }
    }
}
