//! Placeholder numbering and the small SQL combinators every part of the
//! translation shares.

use super::{Dialect, SqlValue};

/// The parameters of the fragment being built, numbered from a start.
pub(super) struct Bindings<'d> {
    pub dialect: &'d dyn Dialect,
    next: usize,
    params: Vec<SqlValue>,
}

impl<'d> Bindings<'d> {
    pub fn new(dialect: &'d dyn Dialect, first: usize) -> Self {
        Self { dialect, next: first, params: Vec::new() }
    }

    /// Bind `value` and return its placeholder.
    pub fn bind(&mut self, value: SqlValue) -> String {
        let placeholder = self.dialect.placeholder(self.next);
        self.next += 1;
        self.params.push(value);
        placeholder
    }

    pub fn text(&mut self, value: impl Into<String>) -> String {
        self.bind(SqlValue::Text(value.into()))
    }

    /// The next free placeholder number and the parameters bound so far.
    pub fn finish(self) -> (usize, Vec<SqlValue>) {
        (self.next, self.params)
    }
}

/// Logical negation that treats an unknown (NULL) operand as false, so
/// `not` of a comparison on an absent attribute is true.
pub(super) fn negate(condition: &str) -> String {
    format!("NOT COALESCE({condition}, FALSE)")
}

/// `items` joined by `op` (`AND`/`OR`), parenthesised as a balanced tree:
/// a chain of a thousand `or` terms stays within SQLite's expression depth
/// limit (1000), which a flat chain would exceed.
pub(super) fn join_balanced(items: &[String], op: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        _ => {
            let (left, right) = items.split_at(items.len() / 2);
            format!("({} {op} {})", join_balanced(left, op), join_balanced(right, op))
        }
    }
}

/// Escape `%`, `_` and `\\` for a `LIKE … ESCAPE '\\'` pattern.
pub(super) fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_join_parenthesises_pairs() {
        let items: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(join_balanced(&items, "OR"), "(a OR (b OR c))");
        assert_eq!(join_balanced(&items[..1], "OR"), "a");
    }

    #[test]
    fn balanced_join_depth_is_logarithmic() {
        let items: Vec<String> = (0..1024).map(|i| format!("t{i}")).collect();
        let sql = join_balanced(&items, "OR");
        let mut depth = 0usize;
        let mut max = 0usize;
        for c in sql.chars() {
            match c {
                '(' => {
                    depth += 1;
                    max = max.max(depth);
                }
                ')' => depth -= 1,
                _ => {}
            }
        }
        assert_eq!(max, 10);
    }

    #[test]
    fn like_metacharacters_are_escaped() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }
}
