//! Okta's provisioning sequence (IDP-CLIENTS.md §2), with Okta's headers on
//! every request: Test API Credentials, the Runscope CRUD checks Okta runs
//! for an integration, lookup (`startIndex=1&count=100`) before each create,
//! import paging, OIN updates (GET then PUT of the whole object), path-less
//! PATCH deactivation, AIW PUT deactivation, and Push Groups. Okta never
//! sends DELETE for users: unassignment is `active=false`.

use lanyard_testkit::{Scim, TestServer, json, patch_op};
use serde_json::Value;

use crate::lifecycle::{
    Idp, SEAT_EXT, SYNC_USERS, counters, enc, error, group, list, member_ids, queue, seat, seat_invariant, sorted, sync, user,
};

const SLUG: &str = "okta";

fn okta(scim: Scim) -> Idp {
    Idp::new(
        scim,
        &[("User-Agent", "Okta SCIM Client 1.0.0"), ("Accept", "application/scim+json"), ("Accept-Charset", "utf-8")],
        "application/scim+json; charset=utf-8",
    )
}

fn lookup(user_name: &str) -> String {
    format!("/Users?filter={}&startIndex=1&count=100", enc(&format!("userName eq \"{user_name}\""), false))
}

/// Okta's create: login as `userName`, its own user id as `externalId`,
/// `locale`, an empty `groups` and a random `password`.
fn body(login: &str, given: &str, family: &str, okta_id: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": login,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": true, "value": login, "type": "work"}],
        "displayName": format!("{given} {family}"),
        "locale": "en-US",
        "externalId": okta_id,
        "groups": [],
        "password": "1mz050nq",
        "active": true
    })
}

/// Okta's (de)activation: a path-less replace.
fn set_active(active: bool) -> Value {
    patch_op(json!([{"op": "replace", "value": {"active": active}}]))
}

/// OIN update: read the user, change it, PUT the whole object back (id,
/// meta, groups and the seat extension included).
async fn put_back(idp: &Idp, id: &str, change: impl FnOnce(&mut Value)) -> lanyard_testkit::Res {
    let res = idp.get(&format!("/Users/{id}")).await;
    user(&res, 200);
    let mut full = res.body.clone();
    change(&mut full);
    idp.put(&format!("/Users/{id}"), &full).await
}

#[tokio::test]
async fn okta_test_credentials_and_crud_checks_twice_with_the_same_login() {
    let s = TestServer::start().await;
    let idp = okta(s.tenant_with_seats(SLUG, Some(1)).await);
    // Test API Credentials.
    assert!(list(&idp.get("/Users?startIndex=1&count=2").await, 0).is_empty());
    assert!(list(&idp.get("/Groups?startIndex=1&count=100").await, 0).is_empty());

    let login = "okta.test@example.com";
    let new = body(login, "Okta", "Test", "00ujl29u0le5T6Aj10h7");
    // First assignment: not found, created.
    assert!(list(&idp.get(&lookup(login)).await, 0).is_empty());
    let res = idp.post("/Users", &new).await;
    let id = user(&res, 201);
    assert_eq!(res.body["externalId"], "00ujl29u0le5T6Aj10h7");
    assert_eq!(res.body["locale"], "en-US");
    assert_eq!(seat(&res.body), "assigned");
    let got = idp.get(&format!("/Users/{id}")).await;
    assert_eq!(user(&got, 200), id);
    assert_eq!(got.body["userName"], login);
    // Re-creating the same user is a 409 that stops Okta's job.
    error(&idp.post("/Users", &new).await, 409, Some("uniqueness"));
    // userName is matched case-insensitively; an unknown one is an empty list.
    assert_eq!(list(&idp.get(&lookup("OKTA.TEST@EXAMPLE.COM")).await, 1)[0]["id"], id.as_str());
    assert!(list(&idp.get(&lookup("nobody-7f3a@example.com")).await, 0).is_empty());

    for round in 0..2 {
        // Profile push: GET, then PUT the whole object.
        let res = put_back(&idp, &id, |u| u["name"]["familyName"] = json!(format!("Tested{round}"))).await;
        user(&res, 200);
        assert_eq!(res.body["name"]["familyName"], format!("Tested{round}"));
        assert_eq!(res.body["externalId"], "00ujl29u0le5T6Aj10h7", "PUT keeps what it sends back");
        assert_eq!(seat(&res.body), "assigned");
        // Password sync: a path-less PATCH; accepted, never stored or shown.
        let res =
            idp.patch(&format!("/Users/{id}"), &patch_op(json!([{"op": "replace", "value": {"password": format!("n3w-{round}")}}]))).await;
        user(&res, 200);
        assert_eq!(seat(&res.body), "assigned");
        // Unassignment: deactivated, never deleted.
        let res = idp.patch(&format!("/Users/{id}"), &set_active(false)).await;
        user(&res, 200);
        assert_eq!((res.body["active"].clone(), seat(&res.body)), (json!(false), "none".into()));
        assert_eq!(counters(&s, SLUG).await, (0, 0));
        // Assigned again with the same login: found (inactive), re-activated.
        let found = list(&idp.get(&lookup(login)).await, 1);
        assert_eq!((found[0]["id"].as_str(), found[0]["active"].as_bool()), (Some(id.as_str()), Some(false)));
        let res = idp.patch(&format!("/Users/{id}"), &set_active(true)).await;
        user(&res, 200);
        assert_eq!((res.body["active"].clone(), seat(&res.body)), (json!(true), "assigned".into()));
        assert_eq!(counters(&s, SLUG).await, (1, 0));
    }
    let res = idp.patch(&format!("/Users/{id}"), &set_active(false)).await;
    assert_eq!(seat(&res.body), "none");
    assert_eq!(list(&idp.get("/Users?startIndex=1&count=2").await, 1)[0]["active"], false, "deactivated users stay listed");
    assert_eq!(counters(&s, SLUG).await, (0, 0));
}

#[tokio::test]
async fn okta_initial_push_import_paging_put_updates_and_deactivation_with_seats() {
    let s = TestServer::start().await;
    let limit = SYNC_USERS as i64 - 5;
    let idp = okta(s.tenant_with_seats(SLUG, Some(limit)).await);
    let login = |i: usize| format!("okta.user{i:04}@example.com");
    let ids =
        sync(&idp, SYNC_USERS, move |i| (lookup(&login(i)), body(&login(i), "Okta", &format!("User{i}"), &format!("00u{i:017}")))).await;
    assert_eq!(seat_invariant(&s, SLUG, &idp).await, (limit, 5));

    // Import: pages of 100 by startIndex, every user exactly once.
    let mut seen = Vec::new();
    for page in 0..10 {
        let start = page * 100 + 1;
        let res = idp.get(&format!("/Users?startIndex={start}&count=100")).await;
        let items = list(&res, SYNC_USERS as u64);
        assert_eq!(res.body["startIndex"], start);
        assert_eq!(items.len(), 100);
        seen.extend(items.iter().map(|u| u["id"].as_str().unwrap().to_string()));
    }
    assert!(list(&idp.get("/Users?startIndex=1001&count=100").await, SYNC_USERS as u64).is_empty());
    seen.sort();
    let mut all = ids.clone();
    all.sort();
    assert_eq!(seen, all);

    let waiting = queue(&s, SLUG).await;
    let seated: Vec<String> = ids.iter().filter(|id| !waiting.contains(id)).cloned().collect();

    // OIN profile updates: the whole object PUT back. The seat extension it
    // echoes is read-only: a waiting user cannot take a seat by PUT.
    let res = put_back(&idp, &seated[0], |u| {
        u["name"]["familyName"] = json!("Changed");
        u["title"] = json!("Engineer");
    })
    .await;
    user(&res, 200);
    assert_eq!((res.body["name"]["familyName"].as_str(), res.body["title"].as_str()), (Some("Changed"), Some("Engineer")));
    assert_eq!(seat(&res.body), "assigned");
    let res = put_back(&idp, &waiting[0], |u| {
        u["displayName"] = json!("Waiting User");
        u[SEAT_EXT]["seat"]["status"] = json!("assigned");
    })
    .await;
    user(&res, 200);
    assert_eq!(res.body["displayName"], "Waiting User");
    assert_eq!(seat(&res.body), "pending");
    assert_eq!(queue(&s, SLUG).await, waiting, "PUT moves nobody in the queue");

    // Deactivation (path-less PATCH) of three seated users seats the three oldest waiting.
    for (k, id) in seated[..3].iter().enumerate() {
        let res = idp.patch(&format!("/Users/{id}"), &set_active(false)).await;
        user(&res, 200);
        assert_eq!(seat(&res.body), "none");
        assert_eq!(seat(&idp.get(&format!("/Users/{}", waiting[k])).await.body), "assigned");
    }
    // AIW apps deactivate with PUT of the whole object.
    let res = put_back(&idp, &seated[3], |u| u["active"] = json!(false)).await;
    user(&res, 200);
    assert_eq!((res.body["active"].clone(), seat(&res.body)), (json!(false), "none".into()));
    assert_eq!(queue(&s, SLUG).await, [waiting[4].clone()]);
    assert_eq!(seat_invariant(&s, SLUG, &idp).await, (limit, 1));

    // Re-activation, by PATCH and by AIW PUT: both queue.
    let res = idp.patch(&format!("/Users/{}", seated[0]), &set_active(true)).await;
    assert_eq!((res.body["active"].clone(), seat(&res.body)), (json!(true), "pending".into()));
    let res = put_back(&idp, &seated[3], |u| u["active"] = json!(true)).await;
    user(&res, 200);
    assert_eq!(seat(&res.body), "pending");
    assert_eq!(queue(&s, SLUG).await, [waiting[4].clone(), seated[0].clone(), seated[3].clone()]);
    // Deactivating a waiting user leaves the queue and frees no seat.
    let res = idp.patch(&format!("/Users/{}", waiting[4]), &set_active(false)).await;
    assert_eq!(seat(&res.body), "none");
    assert_eq!(queue(&s, SLUG).await, [seated[0].clone(), seated[3].clone()]);
    assert_eq!(seat_invariant(&s, SLUG, &idp).await, (limit, 2));
    // Deactivated users are still found and listed.
    let inactive = format!("/Users?filter={}&startIndex=1&count=100", enc("active eq false", false));
    assert_eq!(list(&idp.get(&inactive).await, 3).len(), 3);
    assert_eq!(list(&idp.get("/Users?startIndex=1&count=2").await, SYNC_USERS as u64).len(), 2);
}

#[tokio::test]
async fn okta_push_groups_link_membership_full_push_rename_and_delete() {
    let s = TestServer::start().await;
    let idp = okta(s.tenant(SLUG).await);
    let login = |i: usize| format!("pg{i}@example.com");
    let u = sync(&idp, 4, move |i| (lookup(&login(i)), body(&login(i), "Push", &i.to_string(), &format!("00upg{i}")))).await;
    let member = |i: usize| json!({"value": u[i], "display": login(i)});

    // Push a new group: created empty.
    let res = idp
        .post("/Groups", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Okta Pushed", "members": []}))
        .await;
    let g = group(&res, 201);
    assert_eq!(res.body["displayName"], "Okta Pushed");
    let path = format!("/Groups/{g}");
    // Link an existing group: lookup by name.
    let by_name = format!("/Groups?filter={}&startIndex=1&count=100", enc("displayName eq \"Okta Pushed\"", false));
    assert_eq!(list(&idp.get(&by_name).await, 1)[0]["id"], g.as_str());

    // Each membership change comes with the path-less rename of the group.
    let res = idp
        .patch(&path, &patch_op(json!([{"op": "replace", "value": {"id": g, "displayName": "Okta Pushed"}}, {"op": "add", "path": "members", "value": [member(0), member(1)]}])))
        .await;
    res.expect(204);
    assert!(res.text.is_empty());
    assert_eq!(member_ids(&idp.get(&path).await.body), sorted(&[&u[0], &u[1]]));
    idp.patch(
        &path,
        &patch_op(json!([
            {"op": "replace", "value": {"id": g, "displayName": "Okta Pushed"}},
            {"op": "remove", "path": format!("members[value eq \"{}\"]", u[0])},
            {"op": "add", "path": "members", "value": [member(2)]}
        ])),
    )
    .await
    .expect(204);
    assert_eq!(member_ids(&idp.get(&path).await.body), sorted(&[&u[1], &u[2]]));
    // Full push replaces the member list.
    idp.patch(&path, &patch_op(json!([{"op": "replace", "path": "members", "value": [member(0), member(3)]}]))).await.expect(204);
    let got = idp.get(&path).await;
    assert_eq!(member_ids(&got.body), sorted(&[&u[0], &u[3]]));
    assert_eq!(got.body["members"][0]["type"], "User");
    // Rename.
    idp.patch(&path, &patch_op(json!([{"op": "replace", "value": {"id": g, "displayName": "Okta Renamed"}}]))).await.expect(204);
    assert_eq!(idp.get(&path).await.body["displayName"], "Okta Renamed");
    assert_eq!(idp.get(&format!("/Users/{}", u[0])).await.body["groups"][0]["display"], "Okta Renamed");
    // An OIN profile push of a member echoes its `groups` (read-only): membership stays.
    let res = put_back(&idp, &u[0], |u| u["title"] = json!("Member")).await;
    user(&res, 200);
    assert_eq!(res.body["groups"][0]["value"], g.as_str());
    assert_eq!(member_ids(&idp.get(&path).await.body), sorted(&[&u[0], &u[3]]));
    // AIW apps PUT the group.
    let res = idp.put(&path, &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": g, "displayName": "Okta Renamed", "members": [member(1)]})).await;
    group(&res, 200);
    assert_eq!(member_ids(&res.body), [u[1].clone()]);
    // Empty push.
    idp.patch(&path, &patch_op(json!([{"op": "replace", "path": "members", "value": []}]))).await.expect(204);
    assert!(idp.get(&path).await.body.get("members").is_none());
    // Unlink with "delete the group in the target".
    idp.delete(&path).await.expect(204);
    error(&idp.get(&path).await, 404, None);
    assert!(list(&idp.get("/Groups?startIndex=1&count=100").await, 0).is_empty());
    assert_eq!(counters(&s, SLUG).await, (4, 0));
    // Okta's userName case check with a non-ASCII login.
    let login = "Zoë.Ångström@example.com";
    assert!(list(&idp.get(&lookup(login)).await, 0).is_empty());
    let id = user(&idp.post("/Users", &body(login, "Zoë", "Ångström", "00uzoe")).await, 201);
    assert_eq!(list(&idp.get(&lookup("ZOË.ÅNGSTRÖM@EXAMPLE.COM")).await, 1)[0]["id"], id.as_str());
    assert_eq!(list(&idp.get(&lookup("zoë.ångström@example.com")).await, 1)[0]["id"], id.as_str());
    error(&idp.post("/Users", &body("zoë.ångström@example.com", "Zoë", "Ångström", "00uzoe2")).await, 409, Some("uniqueness"));
}
