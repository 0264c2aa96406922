//! Listing statement texts, written once per shape and thread.

use std::cell::RefCell;
use std::sync::Arc;

use lanyard_scim::sql::SqlValue;
use rustc_hash::FxHashMap;

/// Statement texts remembered per thread; beyond this many the memory starts over.
const REMEMBERED_TEXTS: usize = 256;

/// The statement text made of `parts`, written by `write` the first time.
/// A filter's values are parameters, so every lookup of one shape
/// (`userName eq "…"`) has the same text, which took a lookup ~5 k
/// instructions to write anew (callgrind, SQLite store).
pub fn statement_text(parts: &[&str], write: impl FnOnce() -> String) -> Arc<str> {
    thread_local! {
        static REMEMBERED: RefCell<(String, FxHashMap<String, Arc<str>>)> = RefCell::new(Default::default());
    }
    REMEMBERED.with(|remembered| {
        let (key, known) = &mut *remembered.borrow_mut();
        key.clear();
        for part in parts {
            key.push_str(part);
            key.push('\0');
        }
        if let Some(text) = known.get(key.as_str()) {
            return Arc::clone(text);
        }
        let text: Arc<str> = write().into();
        if known.len() >= REMEMBERED_TEXTS {
            known.clear();
        }
        known.insert(key.clone(), Arc::clone(&text));
        text
    })
}

/// The `WHERE` and `ORDER BY` of a listing, in one store's SQL; its first
/// placeholder is the tenant.
pub struct ListPlan {
    pub condition: String,
    pub params: Vec<SqlValue>,
    pub order: String,
    /// The number of the first placeholder after the condition's.
    pub next_param: usize,
}

/// A listing's two statements in one store's SQL: the page, and the count
/// that follows a page that may not hold every match.
pub struct ListingStatements<'a> {
    /// The store, which also keys the remembered texts (`"sqlite"`).
    pub store: &'static str,
    /// How a numbered placeholder starts: `?` (SQLite) or `$` (PostgreSQL).
    pub placeholder: char,
    pub table: &'static str,
    pub alias: &'static str,
    pub columns: &'static str,
    /// The store's column of a user's groups, when the page carries them.
    pub groups_column: Option<&'static str>,
    /// `LIMIT` and `OFFSET` take the placeholders after the plan's.
    pub plan: &'a ListPlan,
}

impl ListingStatements<'_> {
    pub fn page(&self) -> Arc<str> {
        let groups_flag = if self.groups_column.is_some() { "groups" } else { "" };
        let plan = self.plan;
        let parts = [self.store, "page", self.table, self.alias, self.columns, groups_flag, &plan.condition, &plan.order];
        statement_text(&parts, || {
            let groups = self.groups_column.map(|column| format!(", {column}")).unwrap_or_default();
            let (p, limit) = (self.placeholder, plan.next_param);
            format!(
                "SELECT {}{groups} FROM {} {} WHERE {} ORDER BY {} LIMIT {p}{limit} OFFSET {p}{}",
                self.columns,
                self.table,
                self.alias,
                plan.condition,
                plan.order,
                limit + 1
            )
        })
    }

    pub fn count(&self) -> Arc<str> {
        let condition = &self.plan.condition;
        statement_text(&[self.store, "count", self.table, self.alias, condition], || {
            format!("SELECT COUNT(*) FROM {} {} WHERE {condition}", self.table, self.alias)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_texts_are_remembered_by_all_their_parts() {
        let text = |parts: &[&str], written: &str| statement_text(parts, || written.to_string()).to_string();
        assert_eq!(text(&["page", "u.user_name_ci = ?2"], "first"), "first");
        assert_eq!(text(&["page", "u.user_name_ci = ?2"], "second"), "first", "remembered");
        assert_eq!(text(&["page", "u.user_name_ci = ?2", "ASC"], "sorted"), "sorted", "another part");
        assert_eq!(text(&["pageu.user_name_ci = ?2"], "joined"), "joined", "parts are not run together");
        for n in 0..REMEMBERED_TEXTS {
            text(&["filler", &n.to_string()], "filler");
        }
        assert_eq!(text(&["page", "u.user_name_ci = ?2"], "third"), "third", "forgotten once the memory started over");
    }

    #[test]
    fn listing_statements_number_limit_and_offset_after_the_condition() {
        let plan = ListPlan {
            condition: "u.tenant_id = ?1 AND (u.user_name_ci = ?2)".into(),
            params: Vec::new(),
            order: "u.pk".into(),
            next_param: 3,
        };
        let statements = |store, placeholder, groups_column| ListingStatements {
            store,
            placeholder,
            table: "users",
            alias: "u",
            columns: "u.id, u.doc",
            groups_column,
            plan: &plan,
        };
        let sqlite = statements("test sqlite", '?', None);
        assert_eq!(
            &*sqlite.page(),
            "SELECT u.id, u.doc FROM users u WHERE u.tenant_id = ?1 AND (u.user_name_ci = ?2) ORDER BY u.pk LIMIT ?3 OFFSET ?4"
        );
        assert_eq!(&*sqlite.count(), "SELECT COUNT(*) FROM users u WHERE u.tenant_id = ?1 AND (u.user_name_ci = ?2)");
        let with_groups = statements("test sqlite", '?', Some("g.json AS user_groups"));
        assert!(with_groups.page().starts_with("SELECT u.id, u.doc, g.json AS user_groups FROM users u"), "{}", with_groups.page());
        let postgres = statements("test postgres", '$', None);
        assert!(postgres.page().ends_with("LIMIT $3 OFFSET $4"), "{}", postgres.page());
    }
}
