//! The SCIM attribute → column maps of the `users` (alias `u`) and `groups`
//! (alias `g`) tables. Both backends share the table and column names, so
//! they share these maps; only the [`Dialect`](lanyard_scim::sql::Dialect) differs.

use lanyard_scim::sql::{ChildTable, Column, ColumnKind, SqlMap};

const SEAT_STATUS: &str = "urn:lanyard:params:scim:schemas:extension:seat:2.0:User:seat.status";
const SEAT_ASSIGNED_AT: &str = "urn:lanyard:params:scim:schemas:extension:seat:2.0:User:seat.assignedAt";
const SEAT_PENDING_SINCE: &str = "urn:lanyard:params:scim:schemas:extension:seat:2.0:User:seat.pendingSince";

pub static USER_SQL_MAP: SqlMap = SqlMap {
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
        Column { attr: SEAT_ASSIGNED_AT, expr: "u.seat_assigned_at", kind: ColumnKind::Micros },
        Column { attr: SEAT_PENDING_SINCE, expr: "u.seat_pending_since", kind: ColumnKind::Micros },
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

pub static GROUP_SQL_MAP: SqlMap = SqlMap {
    doc: "g.doc",
    columns: &[
        Column { attr: "id", expr: "g.id", kind: ColumnKind::Text },
        Column { attr: "displayName", expr: "g.display_name_ci", kind: ColumnKind::FoldedText },
        Column { attr: "externalId", expr: "g.external_id", kind: ColumnKind::Text },
        Column { attr: "meta.created", expr: "g.created_at", kind: ColumnKind::Micros },
        Column { attr: "meta.lastModified", expr: "g.modified_at", kind: ColumnKind::Micros },
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
