//! sqlx errors as store errors.

use lanyard_scim::ScimError;
use lanyard_store::StoreError;

use crate::text;

/// SQLSTATEs of values PostgreSQL cannot store: text with U+0000
/// (`character_not_in_repertoire`, `untranslatable_character`), and a key
/// too long for its B-tree index (`program_limit_exceeded`).
const NUL_IN_TEXT: &str = "22021";
const UNTRANSLATABLE: &str = "22P05";
const TOO_LONG_FOR_INDEX: &str = "54000";
/// A transaction aborted for a concurrent one; running it again is safe.
const SERIALIZATION_FAILURE: &str = "40001";
const DEADLOCK_DETECTED: &str = "40P01";

/// Any statement's error. A unique violation names the key that is taken
/// and a foreign-key violation means the row written against is gone (as
/// in the SQLite store); a value PostgreSQL cannot store is the client's
/// error (400), not the server's.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            return StoreError::Conflict { what: taken_key(d.constraint().unwrap_or_default()) };
        }
        if d.is_foreign_key_violation() {
            return StoreError::NotFound;
        }
        match d.code().as_deref() {
            Some(NUL_IN_TEXT | UNTRANSLATABLE) => return StoreError::Scim(text::nul_error()),
            Some(SERIALIZATION_FAILURE | DEADLOCK_DETECTED) => return StoreError::Busy(e.to_string()),
            Some(TOO_LONG_FOR_INDEX) => {
                return StoreError::Scim(ScimError::invalid_value("A value is too long to be stored as a key (at most about 2,500 bytes)"));
            }
            _ => {}
        }
    }
    StoreError::Database(e.to_string())
}

/// The key a unique constraint (named in the migration) stands for, in
/// the words of the SQLite store.
fn taken_key(constraint: &str) -> &'static str {
    match constraint {
        "users_tenant_id_user_name_ci_key" => "userName",
        "groups_tenant_id_display_name_ci_key" => "displayName",
        "tenants_slug_key" => "slug",
        "scim_tokens_token_hash_key" => "token",
        _ => "id",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_taken_key() {
        assert_eq!(taken_key("users_tenant_id_user_name_ci_key"), "userName");
        assert_eq!(taken_key("groups_tenant_id_display_name_ci_key"), "displayName");
        assert_eq!(taken_key("tenants_slug_key"), "slug");
        assert_eq!(taken_key("scim_tokens_token_hash_key"), "token");
        assert_eq!(taken_key("users_tenant_id_id_key"), "id");
        assert_eq!(taken_key("scim_tokens_pkey"), "id");
    }
}
