//! A browser-like client of the admin pages: keeps the cookies Lanyard
//! sets, reads the CSRF token out of forms, never follows redirects.

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Method, StatusCode};
use std::collections::BTreeMap;

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The value of the first `name="csrf"` hidden field.
    pub fn csrf(&self) -> String {
        hidden(&self.body, "csrf").unwrap_or_else(|| panic!("no csrf field in: {}", self.body))
    }
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        self
    }
}

/// The value of the hidden input `name`.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

pub struct Browser {
    pub base: String,
    http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { base: base.to_string(), http, cookies: BTreeMap::new() }
    }

    pub async fn request(&mut self, method: Method, path: &str, form: Option<&[(&str, &str)]>, headers: &[(&str, &str)]) -> Page {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if !self.cookies.is_empty() {
            let header = self.cookie_header();
            req = req.header(COOKIE, header);
        }
        if let Some(fields) = form {
            let mut s = form_urlencoded::Serializer::new(String::new());
            for (k, v) in fields {
                s.append_pair(k, v);
            }
            req = req.header("content-type", "application/x-www-form-urlencoded").body(s.finish());
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.unwrap();
        let set_cookies: Vec<String> =
            res.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect();
        for c in &set_cookies {
            if let Some((k, rest)) = c.split_once('=') {
                let value = rest.split(';').next().unwrap_or_default();
                if c.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), value.to_string());
                }
            }
        }
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        let status = res.status();
        let headers = res.headers().clone();
        Page { status, location, set_cookies, headers, body: res.text().await.unwrap_or_default() }
    }

    /// The `Cookie` header this browser sends.
    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.request(Method::GET, path, None, &[]).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.request(Method::POST, path, Some(form), &[]).await
    }

    /// Signs in through the form; panics unless it works.
    pub async fn sign_in(&mut self, email: &str, password: &str) {
        let csrf = self.get("/admin/login").await.csrf();
        let res = self.post("/admin/login", &[("csrf", &csrf), ("email", email), ("password", password)]).await;
        assert_eq!(res.status.as_u16(), 303, "sign-in failed: {}", res.body);
    }

    /// A page's form token (the session's).
    pub async fn csrf(&mut self, path: &str) -> String {
        self.get(path).await.csrf()
    }
}

pub const PASSWORD: &str = "correct horse battery staple";
