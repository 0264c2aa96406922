//! Who the application is told about: the user as their tenant's SCIM
//! data says now, and whether they may use the application (active, with
//! a seat). Every code, token and `/userinfo` answer checks this again, so
//! a user suspended over SCIM is out at once, whatever sessions remain.

use lanyard_scim::projection::Projection;
use lanyard_scim::schema::{SEAT_SCHEMA, USER_TYPE};
use lanyard_store::TenantScope;
use serde_json::{Map, Value, json};

use super::OidcError;
use crate::{Caller, Lanyard};

/// A user allowed in: their tenant's slug and their SCIM resource.
pub(super) struct Person {
    pub tenant: String,
    pub resource: Value,
}

/// Why a user with a session may not use the application now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Barred {
    Gone,
    Suspended,
    WaitingForSeat,
}

impl Barred {
    pub fn message(self) -> &'static str {
        match self {
            Barred::Gone => "the user no longer exists",
            Barred::Suspended => "the user is suspended",
            Barred::WaitingForSeat => "the user is waiting for a seat",
        }
    }
}

impl Lanyard {
    pub(super) async fn person(&self, scope: TenantScope, user_id: &str) -> Result<Result<Person, Barred>, OidcError> {
        let tenant = self.store.tenant(scope).await?;
        let caller = Caller::internal(&self.config, tenant, "oidc".into());
        let resource = match self.get_user(&caller, user_id, &Projection::default_for(&USER_TYPE)).await {
            Ok(written) => written.resource,
            Err(e) if e.status == 404 => return Ok(Err(Barred::Gone)),
            Err(e) => return Err(OidcError::Invalid(e.detail)),
        };
        if resource.get("active").and_then(Value::as_bool) != Some(true) {
            return Ok(Err(Barred::Suspended));
        }
        if seat(&resource) != "assigned" {
            return Ok(Err(Barred::WaitingForSeat));
        }
        Ok(Ok(Person { tenant: caller.tenant.slug, resource }))
    }

    /// The groups the IdP asserted when the session began (none once the
    /// session is pruned).
    pub(super) async fn idp_groups(&self, session_id: &str) -> Result<Vec<String>, OidcError> {
        Ok(self.store.sso_session(session_id).await?.map(|s| s.idp_groups).unwrap_or_default())
    }
}

fn seat(resource: &Value) -> &str {
    resource.pointer(&format!("/{SEAT_SCHEMA}/seat/status")).and_then(Value::as_str).unwrap_or("none")
}

fn text<'a>(resource: &'a Value, pointer: &str) -> Option<&'a str> {
    resource.pointer(pointer).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The primary email, else the first, else the userName.
fn email(resource: &Value) -> Option<&str> {
    let emails = resource.get("emails").and_then(Value::as_array);
    let primary = emails.and_then(|list| list.iter().find(|e| e.get("primary") == Some(&Value::Bool(true))));
    let first = emails.and_then(|list| list.first());
    primary.or(first).and_then(|e| e.get("value")).and_then(Value::as_str).or_else(|| text(resource, "/userName"))
}

/// The user's claims for these scopes; `sub`, `tenant` and `seat` always.
/// `groups` holds the SCIM groups' names, then those the IdP asserted at
/// sign-in (`idp_groups`) that are not among them.
pub(super) fn user_claims(person: &Person, scopes: &[&str], idp_groups: &[String]) -> Map<String, Value> {
    let r = &person.resource;
    let mut claims = Map::new();
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(v) = value {
            claims.insert(name.to_string(), v);
        }
    };
    put("sub", r.get("id").cloned());
    put("tenant", Some(json!(person.tenant)));
    put("seat", Some(json!(seat(r))));
    if scopes.contains(&"email") {
        put("email", email(r).map(|e| json!(e)));
        // The address comes from the customer's own directory.
        put("email_verified", email(r).map(|_| json!(true)));
    }
    if scopes.contains(&"profile") {
        let given = text(r, "/name/givenName");
        let family = text(r, "/name/familyName");
        let joined = match (given, family) {
            (Some(g), Some(f)) => Some(format!("{g} {f}")),
            _ => None,
        };
        let name = text(r, "/displayName").or(text(r, "/name/formatted")).map(str::to_string).or(joined);
        put("name", name.map(Value::String));
        put("given_name", given.map(|g| json!(g)));
        put("family_name", family.map(|f| json!(f)));
        put("preferred_username", text(r, "/userName").map(|u| json!(u)));
    }
    if scopes.contains(&"groups") {
        let mut groups: Vec<Value> = r
            .get("groups")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(|g| g.get("display").cloned()).collect())
            .unwrap_or_default();
        for group in idp_groups {
            if !groups.iter().any(|g| g.as_str() == Some(group)) {
                groups.push(json!(group));
            }
        }
        put("groups", Some(Value::Array(groups)));
    }
    claims
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> Person {
        Person {
            tenant: "acme".into(),
            resource: json!({
                "id": "u1",
                "userName": "ada@acme.example",
                "name": { "givenName": "Ada", "familyName": "Lovelace" },
                "emails": [{ "value": "other@acme.example" }, { "value": "ada@acme.example", "primary": true }],
                "groups": [{ "value": "g1", "display": "Engineering" }],
                SEAT_SCHEMA: { "seat": { "status": "assigned" } },
            }),
        }
    }

    #[test]
    fn claims_follow_scopes() {
        let asserted = ["Admins".to_string(), "Engineering".to_string()];
        let only_openid = user_claims(&person(), &["openid"], &asserted);
        assert_eq!(Value::Object(only_openid), json!({ "sub": "u1", "tenant": "acme", "seat": "assigned" }));
        assert_eq!(user_claims(&person(), &["openid", "groups"], &[])["groups"], json!(["Engineering"]));
        let all = user_claims(&person(), &["openid", "email", "profile", "groups"], &asserted);
        assert_eq!(all["email"], "ada@acme.example");
        assert_eq!(all["email_verified"], true);
        assert_eq!(all["name"], "Ada Lovelace");
        assert_eq!(all["given_name"], "Ada");
        assert_eq!(all["preferred_username"], "ada@acme.example");
        assert_eq!(all["groups"], json!(["Engineering", "Admins"]), "SCIM groups, then asserted ones not among them");
    }
}
