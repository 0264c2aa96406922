//! The parts of the admin pages' user browse that every backend shares:
//! the page cursor and the query's arguments. The browse SQL itself stays
//! in each backend, as it is written for that backend's planner.

use lanyard_scim::ScimError;

use crate::{StoreError, StoreResult};

/// A browse query's argument, in the order of its placeholders (after the
/// tenant, which is always the first).
pub enum BrowseArg {
    Bool(bool),
    Text(String),
    Int(i64),
}

/// Where a browse page ends: the last row's `pk`, or its `user_name_ci`
/// when searching. Callers see it only as the opaque text of
/// [`BrowsePage::next`](crate::BrowsePage::next).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrowseCursor {
    Pk(i64),
    Name(String),
}

impl BrowseCursor {
    /// Reads a cursor written by [`Display`](std::fmt::Display).
    pub fn parse(s: &str) -> StoreResult<BrowseCursor> {
        match s.split_at_checked(1) {
            Some(("p", n)) => n.parse().map(BrowseCursor::Pk).map_err(|_| BrowseCursor::invalid()),
            Some(("n", name)) => Ok(BrowseCursor::Name(name.to_string())),
            _ => Err(BrowseCursor::invalid()),
        }
    }

    /// The error for a cursor no listing gave (or one of another listing).
    pub fn invalid() -> StoreError {
        StoreError::Scim(ScimError::invalid_value("the page cursor is not one this listing gave"))
    }
}

impl std::fmt::Display for BrowseCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BrowseCursor::Pk(pk) => write!(f, "p{pk}"),
            BrowseCursor::Name(name) => write!(f, "n{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_what_it_wrote() {
        for cursor in [BrowseCursor::Pk(42), BrowseCursor::Name("ann@x".into())] {
            assert_eq!(BrowseCursor::parse(&cursor.to_string()).ok(), Some(cursor));
        }
        assert!(BrowseCursor::parse("pxyz").is_err());
        assert!(BrowseCursor::parse("garbage").is_err());
        assert!(BrowseCursor::parse("").is_err());
    }
}
