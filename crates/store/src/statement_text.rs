//! Listing statements, written once per shape and thread.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use lanyard_scim::filter::ParamSource;
use lanyard_scim::sql::SqlValue;
use rustc_hash::FxHashMap;

use crate::{ListQuery, StoreResult};

/// Entries a per-thread memory holds; beyond this many it starts over.
const REMEMBERED: usize = 256;

/// Values remembered by a key made of parts.
struct Memory<V> {
    key: String,
    known: FxHashMap<String, V>,
}

impl<V: Clone> Memory<V> {
    fn new() -> Self {
        Self { key: String::new(), known: FxHashMap::default() }
    }

    fn get_or_insert_with(&mut self, parts: &[&str], write: impl FnOnce() -> V) -> V {
        self.key.clear();
        for part in parts {
            self.key.push_str(part);
            self.key.push('\0');
        }
        if let Some(value) = self.known.get(self.key.as_str()) {
            return value.clone();
        }
        let value = write();
        if self.known.len() >= REMEMBERED {
            self.known.clear();
        }
        self.known.insert(self.key.clone(), value.clone());
        value
    }
}

/// The statement text made of `parts`, written by `write` the first time.
/// A filter's values are parameters, so every lookup of one shape
/// (`userName eq "…"`) has the same text, which took a lookup ~5 k
/// instructions to write anew (callgrind, SQLite store).
fn statement_text(parts: &[&str], write: impl FnOnce() -> String) -> Arc<str> {
    thread_local! {
        static REMEMBERED_TEXTS: RefCell<Memory<Arc<str>>> = RefCell::new(Memory::new());
    }
    REMEMBERED_TEXTS.with(|memory| memory.borrow_mut().get_or_insert_with(parts, || write().into()))
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
pub struct ListingStatements {
    /// The store, which also keys the remembered texts (`"sqlite"`).
    pub store: &'static str,
    /// How a numbered placeholder starts: `?` (SQLite) or `$` (PostgreSQL).
    pub placeholder: char,
    pub table: &'static str,
    pub alias: &'static str,
    pub columns: &'static str,
    /// The store's column of a user's groups, when the page carries them.
    pub groups_column: Option<&'static str>,
}

/// A listing's statements and the parameters after the tenant's; the page's
/// `LIMIT` and `OFFSET` take the two placeholders after those.
pub struct PreparedListing {
    pub page: Arc<str>,
    pub count: Arc<str>,
    pub params: Vec<SqlValue>,
}

/// The statements of every filter of one shape, with where their
/// parameters come from.
struct ShapeStatements {
    page: Arc<str>,
    count: Arc<str>,
    sources: Vec<ParamSource>,
}

impl ListingStatements {
    /// The statements of `query`, which `plan` (the store's translation)
    /// gives. Translating a filter and writing the statements took a lookup
    /// ~6 k instructions (callgrind, SQLite store), so they are remembered
    /// per thread by the filter's shape and reused for the next filter of
    /// that shape, with its values as the parameters. A shape whose
    /// parameters are not its values as they are (or lower-cased) is
    /// translated every time.
    pub fn prepare(&self, query: &ListQuery, plan: impl Fn(&ListQuery) -> StoreResult<ListPlan>) -> StoreResult<PreparedListing> {
        thread_local! {
            static REMEMBERED_SHAPES: RefCell<Memory<Option<Rc<ShapeStatements>>>> = RefCell::new(Memory::new());
        }
        let shape = query.filter.as_ref().map(|f| f.shape());
        let sort = query.sort_by.as_ref().map(|attr| attr.canonical_name()).unwrap_or_default();
        let parts = [
            self.store,
            self.table,
            self.alias,
            self.columns,
            if self.groups_column.is_some() { "groups" } else { "" },
            shape.as_ref().map(|s| s.key()).unwrap_or_default(),
            &sort,
            if query.descending { "descending" } else { "" },
        ];
        let remembered = REMEMBERED_SHAPES.with(|memory| {
            memory.borrow_mut().get_or_insert_with(&parts, || {
                let (stand_in, shape) = match (&query.filter, &shape) {
                    (Some(filter), Some(shape)) => {
                        (ListQuery { filter: Some(filter.with_stand_in_values()), ..query.clone() }, Some(shape))
                    }
                    _ => (query.clone(), None),
                };
                let plan = plan(&stand_in).ok()?;
                let sources = match shape {
                    Some(shape) => shape.sources(&plan.params)?,
                    None if plan.params.is_empty() => Vec::new(),
                    None => return None,
                };
                Some(Rc::new(ShapeStatements { page: self.page(&plan), count: self.count(&plan), sources }))
            })
        });
        match remembered {
            Some(statements) => Ok(PreparedListing {
                page: Arc::clone(&statements.page),
                count: Arc::clone(&statements.count),
                params: shape.map(|shape| shape.params(&statements.sources)).unwrap_or_default(),
            }),
            None => {
                let plan = plan(query)?;
                Ok(PreparedListing { page: self.page(&plan), count: self.count(&plan), params: plan.params })
            }
        }
    }

    fn page(&self, plan: &ListPlan) -> Arc<str> {
        let groups_flag = if self.groups_column.is_some() { "groups" } else { "" };
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

    fn count(&self, plan: &ListPlan) -> Arc<str> {
        let condition = &plan.condition;
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
        for n in 0..REMEMBERED {
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
        };
        let sqlite = statements("test sqlite", '?', None);
        assert_eq!(
            &*sqlite.page(&plan),
            "SELECT u.id, u.doc FROM users u WHERE u.tenant_id = ?1 AND (u.user_name_ci = ?2) ORDER BY u.pk LIMIT ?3 OFFSET ?4"
        );
        assert_eq!(&*sqlite.count(&plan), "SELECT COUNT(*) FROM users u WHERE u.tenant_id = ?1 AND (u.user_name_ci = ?2)");
        let with_groups = statements("test sqlite", '?', Some("g.json AS user_groups"));
        let page = with_groups.page(&plan);
        assert!(page.starts_with("SELECT u.id, u.doc, g.json AS user_groups FROM users u"), "{page}");
        let postgres = statements("test postgres", '$', None);
        let page = postgres.page(&plan);
        assert!(page.ends_with("LIMIT $3 OFFSET $4"), "{page}");
    }
}
