//! The admin cookies: the session, and the pre-session CSRF cookie of the
//! sign-in and setup forms. HttpOnly, SameSite=Lax (Strict for the
//! pre-session one), Secure when the public URL is https.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use lanyard_domain::admin::{SESSION_COOKIE, SESSION_LIFETIME};

/// Holds a random value whose derived token the sign-in form carries.
pub const PRE_SESSION_COOKIE: &str = "lanyard_admin_form";

/// The value of cookie `name` in the request, if any.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

fn cookie(name: &str, value: &str, same_site: &str, max_age: u64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age}{secure}")).ok()
}

pub fn set_session(headers: &mut HeaderMap, value: &str, secure: bool) {
    if let Some(v) = cookie(SESSION_COOKIE, value, "Lax", SESSION_LIFETIME.as_secs(), secure) {
        headers.append(SET_COOKIE, v);
    }
}

pub fn clear_session(headers: &mut HeaderMap, secure: bool) {
    if let Some(v) = cookie(SESSION_COOKIE, "", "Lax", 0, secure) {
        headers.append(SET_COOKIE, v);
    }
}

pub fn set_pre_session(headers: &mut HeaderMap, value: &str, secure: bool) {
    if let Some(v) = cookie(PRE_SESSION_COOKIE, value, "Strict", 60 * 60, secure) {
        headers.append(SET_COOKIE, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_cookies_are_http_only_lax_and_secure_behind_https() {
        let mut h = HeaderMap::new();
        set_session(&mut h, "lyas_x", true);
        set_session(&mut h, "lyas_y", false);
        let all: Vec<&str> = h.get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).collect();
        assert!(all[0].starts_with("lanyard_admin=lyas_x;") && all[0].contains("HttpOnly") && all[0].contains("SameSite=Lax"));
        assert!(all[0].ends_with("; Secure"));
        assert!(!all[1].contains("Secure"));
        let mut req = HeaderMap::new();
        req.insert(COOKIE, HeaderValue::from_static("a=1; lanyard_admin=lyas_z; b=2"));
        assert_eq!(read(&req, SESSION_COOKIE).as_deref(), Some("lyas_z"));
        assert_eq!(read(&req, "missing"), None);
    }
}
