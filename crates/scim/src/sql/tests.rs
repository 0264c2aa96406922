#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Dialects and maps shared by the rendering tests and the tests that run
//! the generated SQL on SQLite.

mod random;
mod render;
mod shape;
mod sqlite;

use super::{ChildTable, Column, ColumnKind, Dialect, SqlMap};

/// A readable dialect for asserting the generated text.
struct PlainDialect;

impl Dialect for PlainDialect {
    fn placeholder(&self, n: usize) -> String {
        format!("?{n}")
    }
    fn json_text(&self, doc: &str, path: &[&str]) -> String {
        format!("json_text({doc}, {})", path.join("/"))
    }
    fn json_array_rows(&self, doc: &str, path: &[&str], alias: &str) -> String {
        format!("json_rows({doc}, {}) {alias}", path.join("/"))
    }
    fn json_element(&self, alias: &str) -> String {
        format!("{alias}.elem")
    }
}

/// The SQLite dialect (the store's own lives in lanyard-store-sqlite, which
/// this crate cannot depend on).
struct SqliteDialect;

fn sqlite_path(path: &[&str]) -> String {
    let mut p = String::from("$");
    for key in path {
        p.push_str(&format!(".\"{key}\""));
    }
    p
}

impl Dialect for SqliteDialect {
    fn placeholder(&self, n: usize) -> String {
        format!("?{n}")
    }
    fn json_text(&self, doc: &str, path: &[&str]) -> String {
        let p = sqlite_path(path);
        format!(
            "CASE json_type({doc}, '{p}') WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' \
             ELSE CAST(json_extract({doc}, '{p}') AS TEXT) END"
        )
    }
    fn json_array_rows(&self, doc: &str, path: &[&str], alias: &str) -> String {
        format!("json_each({doc}, '{}') AS {alias}", sqlite_path(path))
    }
    fn json_element(&self, alias: &str) -> String {
        format!(
            "CASE {alias}.type WHEN 'text' THEN json_quote({alias}.value) WHEN 'true' THEN 'true' \
             WHEN 'false' THEN 'false' WHEN 'null' THEN 'null' ELSE {alias}.value END"
        )
    }
    fn contains(&self, haystack: &str, needle: &str) -> String {
        format!("instr({haystack}, {needle}) > 0")
    }
    fn has_child(&self, child: &ChildTable, condition: Option<&str>) -> String {
        let and = condition.map(|c| format!(" AND {c}")).unwrap_or_default();
        format!("{} IN (SELECT {} FROM {} WHERE {}{and})", child.parent_key, child.child_key, child.from, child.tenant_join)
    }
}

const SEAT_STATUS: &str = "urn:lanyard:params:scim:schemas:extension:seat:2.0:User:seat.status";

/// The store's map of the `users` table (lanyard-store's `USER_SQL_MAP`).
static USERS: SqlMap = SqlMap {
    doc: "u.doc",
    columns: &[
        Column { attr: "id", expr: "u.id", kind: ColumnKind::Text },
        Column { attr: "userName", expr: "u.user_name_ci", kind: ColumnKind::FoldedText },
        Column { attr: "externalId", expr: "u.external_id", kind: ColumnKind::Text },
        Column { attr: "displayName", expr: "u.display_name_ci", kind: ColumnKind::FoldedText },
        Column { attr: "active", expr: "u.active", kind: ColumnKind::Bool },
        Column { attr: "meta.created", expr: "u.created_at", kind: ColumnKind::Micros },
        Column { attr: "meta.lastModified", expr: "u.modified_at", kind: ColumnKind::Micros },
        Column { attr: SEAT_STATUS, expr: "u.seat_status", kind: ColumnKind::Text },
    ],
    children: &[
        ChildTable {
            attr: "emails",
            from: "user_emails e",
            parent_key: "u.id",
            child_key: "e.user_id",
            tenant_join: "e.tenant_id = u.tenant_id",
            columns: &[
                Column { attr: "value", expr: "e.value_ci", kind: ColumnKind::FoldedText },
                Column { attr: "type", expr: "e.type_ci", kind: ColumnKind::FoldedText },
                Column { attr: "primary", expr: "e.is_primary", kind: ColumnKind::Bool },
            ],
        },
        ChildTable {
            attr: "groups",
            from: "group_members gm",
            parent_key: "u.id",
            child_key: "gm.member_id",
            tenant_join: "gm.tenant_id = u.tenant_id AND gm.member_type = 'User'",
            columns: &[Column { attr: "value", expr: "gm.group_id", kind: ColumnKind::Text }],
        },
    ],
};

/// The store's map of the `groups` table (lanyard-store's `GROUP_SQL_MAP`).
static GROUPS: SqlMap = SqlMap {
    doc: "g.doc",
    columns: &[
        Column { attr: "id", expr: "g.id", kind: ColumnKind::Text },
        Column { attr: "displayName", expr: "g.display_name_ci", kind: ColumnKind::FoldedText },
        Column { attr: "externalId", expr: "g.external_id", kind: ColumnKind::Text },
    ],
    children: &[ChildTable {
        attr: "members",
        from: "group_members m",
        parent_key: "g.id",
        child_key: "m.group_id",
        tenant_join: "m.tenant_id = g.tenant_id",
        columns: &[
            Column { attr: "value", expr: "m.member_id", kind: ColumnKind::Text },
            Column { attr: "type", expr: "m.member_type", kind: ColumnKind::Text },
        ],
    }],
};
