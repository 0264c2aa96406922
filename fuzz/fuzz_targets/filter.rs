//! Filter text → parse (with client quirks) and check against User and
//! Group; a parsed filter is evaluated on a fixed document, translated to
//! SQLite SQL, and its canonical text must parse back to itself.
#![no_main]

use lanyard_fuzz::{GROUP, USER};
use lanyard_scim::filter::{Filter, MAX_FILTER_LEN};
use lanyard_scim::schema::{GROUP_TYPE, ResourceTypeDef, USER_TYPE};
use lanyard_scim::sql::{SqlMap, where_clause};
use lanyard_store::{GROUP_SQL_MAP, USER_SQL_MAP};
use lanyard_store_sqlite::SqliteDialect;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn check(raw: &str, rt: &'static ResourceTypeDef, doc: &Value, map: &SqlMap) {
    let Ok(filter) = Filter::parse(raw, rt) else { return };
    let _ = filter.matches(doc);
    let mut next = 1;
    if let Ok(fragment) = where_clause(&filter, map, &SqliteDialect, &mut next) {
        assert_eq!(next, fragment.params.len() + 1, "placeholders for {filter}");
    }
    // The canonical text parses back to the same filter, unless escaping
    // (a raw control character becomes `\u0001`) took it past the length
    // limit: regressions/filter/canonical-text-over-length-limit.
    let text = filter.to_string();
    if text.len() > MAX_FILTER_LEN {
        return;
    }
    match Filter::parse(&text, rt) {
        Ok(again) => assert_eq!(again.to_string(), text, "canonical text of {raw:?} is not stable"),
        Err(e) => panic!("canonical text {text:?} of {raw:?} does not parse: {}", e.detail),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    check(raw, &USER_TYPE, &USER, &USER_SQL_MAP);
    check(raw, &GROUP_TYPE, &GROUP, &GROUP_SQL_MAP);
});
