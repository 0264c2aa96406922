//! Form bodies (`application/x-www-form-urlencoded`) and their CSRF check.

use axum::body::Bytes;
use lanyard_domain::Lanyard;
use lanyard_domain::admin::csrf_matches;

use super::page::PageError;
use super::session::AdminSession;

/// The fields of an operator-only form, once its CSRF token and the
/// operator role are checked; else why it is refused.
pub fn operator_form(app: &Lanyard, session: &AdminSession, body: &Bytes) -> Result<Fields, PageError> {
    let fields = Fields::parse(body);
    if !fields.csrf_ok(&session.cookie) {
        return Err(PageError::Csrf);
    }
    app.operator_only(&session.principal)?;
    Ok(fields)
}

pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &Bytes) -> Fields {
        Fields(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name`, trimmed; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    /// Every non-blank value of `name` (checkboxes sharing a name), trimmed.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    /// The value as sent (passwords and pasted XML are not trimmed).
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Whether the form's `csrf` field belongs to the session `cookie`.
    pub fn csrf_ok(&self, cookie: &str) -> bool {
        self.raw("csrf").is_some_and(|sent| csrf_matches(cookie, sent))
    }
}
