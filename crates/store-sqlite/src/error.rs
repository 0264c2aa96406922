//! sqlx errors as store errors.

use lanyard_store::StoreError;

pub(crate) fn db(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

/// A write's error: a unique violation names the key that is taken, a
/// foreign-key violation means the row written against is gone.
pub(crate) fn write(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            return StoreError::Conflict { what: taken_key(d.message()) };
        }
        if d.is_foreign_key_violation() {
            return StoreError::NotFound;
        }
    }
    db(e)
}

/// SQLite says `UNIQUE constraint failed: users.tenant_id, users.user_name_ci`.
fn taken_key(message: &str) -> &'static str {
    let columns = message.rsplit(':').next().unwrap_or_default();
    let has = |column: &str| columns.split(',').any(|c| c.trim().ends_with(column));
    if has(".user_name_ci") {
        "userName"
    } else if has(".display_name_ci") {
        "displayName"
    } else if has(".slug") {
        "slug"
    } else if has(".token_hash") {
        "token"
    } else {
        "id"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_taken_key() {
        assert_eq!(taken_key("UNIQUE constraint failed: users.tenant_id, users.user_name_ci"), "userName");
        assert_eq!(taken_key("UNIQUE constraint failed: groups.tenant_id, groups.display_name_ci"), "displayName");
        assert_eq!(taken_key("UNIQUE constraint failed: tenants.slug"), "slug");
        assert_eq!(taken_key("UNIQUE constraint failed: users.tenant_id, users.id"), "id");
    }
}
