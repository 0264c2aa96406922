//! OneLogin's provisioning sequence (IDP-CLIENTS.md §4): an empty
//! User-Agent, `+` for spaces and a trailing `&` on queries, a trailing `?`
//! on PUT, `application/json` bodies rendered from the default SCIM JSON
//! template (SCIM 1.0 URNs, `emails` as a single object, `active` as a
//! string, `"id": null`, explicit nulls). Enable API connection, a first
//! test assignment (create, read, update by PUT, delete) twice, the initial
//! sync, PUT updates, suspend by PUT `active: "false"`, DELETE, and group
//! create / PATCH membership / rename / delete.

use lanyard_testkit::{Scim, TestServer, json, patch_op};
use serde_json::Value;

use crate::lifecycle::{
    ENTERPRISE, Idp, SYNC_USERS, counters, enc, error, group, group_ids, list, member_ids, queue, seat, seat_invariant, sorted, sync, user,
};

const SLUG: &str = "onelogin";

fn onelogin(scim: Scim) -> Idp {
    Idp::new(scim, &[("User-Agent", "")], "application/json")
}

fn lookup(user_name: &str) -> String {
    format!("/Users?filter={}&", enc(&format!("userName eq \"{user_name}\""), true))
}

/// The default template: `{$parameters.scimusername}` (the email) as
/// `userName`, SCIM 1.0 URNs, one email object, `active` as text.
fn template(email: &str, given: &str, family: &str, active: bool, department: Option<&str>) -> Value {
    json!({
        "schemas": ["urn:scim:schemas:core:1.0", "urn:scim:schemas:extension:enterprise:1.0"],
        "id": null,
        "userName": email,
        "name": {"givenName": given, "familyName": family},
        "emails": {"value": email, "type": "work", "primary": true},
        "title": null,
        "active": active.to_string(),
        "urn:scim:schemas:extension:enterprise:1.0": {"department": department}
    })
}

async fn put(idp: &Idp, id: &str, body: &Value) -> lanyard_testkit::Res {
    idp.put(&format!("/Users/{id}?"), body).await
}

#[tokio::test]
async fn onelogin_enable_api_connection_then_test_assignment_twice_with_the_same_email() {
    let s = TestServer::start().await;
    let idp = onelogin(s.tenant_with_seats(SLUG, Some(1)).await);
    // Enable API connection: a userName OneLogin knows does not exist.
    assert!(list(&idp.get(&lookup("onelogin-connection-test-2f6c@example.invalid")).await, 0).is_empty());

    let email = "ol.test@example.com";
    let mut ids = Vec::new();
    for _ in 0..2 {
        assert!(list(&idp.get(&lookup(email)).await, 0).is_empty());
        let res = idp.post("/Users", &template(email, "One", "Login", true, Some("IT"))).await;
        let id = user(&res, 201);
        assert_eq!(res.body["active"], true);
        assert_eq!(res.body["emails"], json!([{"value": email, "type": "work", "primary": true}]));
        assert_eq!(res.body[ENTERPRISE]["department"], "IT");
        assert!(res.body.get("title").is_none(), "an explicit null is no value");
        assert_eq!(seat(&res.body), "assigned");
        let got = idp.get(&format!("/Users/{id}")).await;
        assert_eq!(user(&got, 200), id);
        // Update: the whole template again, by PUT with a trailing `?`.
        let mut body = template(email, "One", "Updated", true, Some("Ops"));
        body["schemas"] = json!(["urn:scim:schemas:core:2.0", "urn:scim:schemas:extension:enterprise:2.0"]);
        let res = put(&idp, &id, &body).await;
        user(&res, 200);
        assert_eq!(res.body["name"]["familyName"], "Updated");
        assert_eq!(res.body[ENTERPRISE]["department"], "Ops");
        assert_eq!(seat(&res.body), "assigned");
        // Deprovisioning action "Delete".
        idp.delete(&format!("/Users/{id}")).await.expect(204);
        error(&idp.get(&format!("/Users/{id}")).await, 404, None);
        assert_eq!(counters(&s, SLUG).await, (0, 0));
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1]);
}

#[tokio::test]
async fn onelogin_initial_sync_put_updates_suspend_reactivate_and_delete_with_seats() {
    let s = TestServer::start().await;
    let limit = SYNC_USERS as i64 - 5;
    let idp = onelogin(s.tenant_with_seats(SLUG, Some(limit)).await);
    let email = |i: usize| format!("ol{i:04}@example.com");
    let ids = sync(&idp, SYNC_USERS, move |i| (lookup(&email(i)), template(&email(i), "One", &format!("Login{i}"), true, None))).await;
    assert_eq!(seat_invariant(&s, SLUG, &idp).await, (limit, 5));
    assert_eq!(list(&idp.get("/Users?startIndex=1&count=100&").await, SYNC_USERS as u64).len(), 100);

    let waiting = queue(&s, SLUG).await;
    let seated: Vec<String> = ids.iter().filter(|id| !waiting.contains(id)).cloned().collect();
    let index = |id: &String| ids.iter().position(|x| x == id).unwrap();

    // Attribute updates: PUT of the template. Waiting users keep waiting.
    for id in [&seated[0], &waiting[0]] {
        let i = index(id);
        let res = put(&idp, id, &template(&email(i), "Renamed", &format!("Login{i}"), true, Some("Finance"))).await;
        user(&res, 200);
        assert_eq!(
            (res.body["name"]["givenName"].as_str(), res.body[ENTERPRISE]["department"].as_str()),
            (Some("Renamed"), Some("Finance"))
        );
        assert_eq!(list(&idp.get(&lookup(&email(i))).await, 1)[0]["name"]["givenName"], "Renamed");
    }
    assert_eq!(queue(&s, SLUG).await, waiting);

    // Suspend: PUT with active "false"; each frees a seat for the oldest waiting user.
    for (k, id) in seated[..3].iter().enumerate() {
        let res = put(&idp, id, &template(&email(index(id)), "One", "Login", false, None)).await;
        user(&res, 200);
        assert_eq!((res.body["active"].clone(), seat(&res.body)), (json!(false), "none".into()));
        assert_eq!(seat(&idp.get(&format!("/Users/{}", waiting[k])).await.body), "assigned");
    }
    assert_eq!(queue(&s, SLUG).await, waiting[3..]);
    assert_eq!(seat_invariant(&s, SLUG, &idp).await, (limit, 2));
    // Re-activate: active "true" joins the end of the queue.
    let res = put(&idp, &seated[0], &template(&email(index(&seated[0])), "One", "Login", true, None)).await;
    assert_eq!((res.body["active"].clone(), seat(&res.body)), (json!(true), "pending".into()));
    assert_eq!(queue(&s, SLUG).await, [waiting[3].clone(), waiting[4].clone(), seated[0].clone()]);

    // Deprovision "Delete": a seated user's seat goes to the oldest waiting one.
    idp.delete(&format!("/Users/{}", seated[50])).await.expect(204);
    assert_eq!(seat(&idp.get(&format!("/Users/{}", waiting[3])).await.body), "assigned");
    assert!(list(&idp.get(&lookup(&email(index(&seated[50])))).await, 0).is_empty());
    idp.delete(&format!("/Users/{}", seated[1])).await.expect(204);
    assert_eq!(seat_invariant(&s, SLUG, &idp).await, (limit, 2));
    assert_eq!(list(&idp.get("/Users?count=1&").await, SYNC_USERS as u64 - 2).len(), 1);
}

#[tokio::test]
async fn onelogin_groups_create_patch_membership_rename_and_delete() {
    let s = TestServer::start().await;
    let idp = onelogin(s.tenant(SLUG).await);
    let email = |i: usize| format!("olg{i}@example.com");
    let u = sync(&idp, 3, move |i| (lookup(&email(i)), template(&email(i), "Group", &format!("Member{i}"), true, None))).await;

    // A `+` in an email is `%2B` where `+` means a space.
    let plus = "olg.plus+tag@example.com";
    assert!(list(&idp.get(&lookup(plus)).await, 0).is_empty());
    let p = user(&idp.post("/Users", &template(plus, "Plus", "Tag", true, None)).await, 201);
    assert_eq!(list(&idp.get(&lookup(plus)).await, 1)[0]["id"], p.as_str());

    assert!(list(&idp.get("/Groups?").await, 0).is_empty());
    let by_name = |name: &str| format!("/Groups?filter={}&", enc(&format!("displayName eq \"{name}\""), true));
    assert!(list(&idp.get(&by_name("OneLogin Role")).await, 0).is_empty());
    let res = idp
        .post(
            "/Groups",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "OneLogin Role", "members": []}),
        )
        .await;
    let g = group(&res, 201);
    let path = format!("/Groups/{g}");
    idp.patch(&path, &patch_op(json!([{"op": "add", "path": "members", "value": [{"value": u[0]}, {"value": u[1]}, {"value": p}]}])))
        .await
        .expect(204);
    // The (unverified) filtered add form.
    idp.patch(&path, &patch_op(json!([{"op": "add", "path": format!("members[value eq \"{}\"]", u[2])}]))).await.expect(204);
    assert_eq!(member_ids(&idp.get(&path).await.body), sorted(&[&u[0], &u[1], &u[2], &p]));
    idp.patch(&path, &patch_op(json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", u[1])}]))).await.expect(204);
    idp.patch(&path, &patch_op(json!([{"op": "remove", "path": "members", "value": [{"value": u[0]}, {"value": p}]}]))).await.expect(204);
    assert_eq!(member_ids(&idp.get(&path).await.body), [u[2].clone()]);
    assert_eq!(group_ids(&idp.get(&format!("/Users/{}", u[2])).await.body), vec![g.clone()]);
    idp.patch(&path, &patch_op(json!([{"op": "replace", "path": "displayName", "value": "OneLogin Role 2"}]))).await.expect(204);
    assert_eq!(list(&idp.get(&by_name("OneLogin Role 2")).await, 1)[0]["id"], g.as_str());
    idp.delete(&path).await.expect(204);
    error(&idp.get(&path).await, 404, None);
    assert!(list(&idp.get("/Groups?").await, 0).is_empty());
    assert!(group_ids(&idp.get(&format!("/Users/{}", u[2])).await.body).is_empty());
}
