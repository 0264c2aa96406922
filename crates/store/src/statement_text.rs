//! Listing statement texts, written once per shape and thread.

use std::cell::RefCell;
use std::sync::Arc;

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
}
