//! JumpCloud's provisioning sequence (IDP-CLIENTS.md §1): Test Connection,
//! Activate (test user and test group created, updated, deleted; re-run on
//! every settings change), a lookup before every create, per-attribute PATCH
//! updates, `active=false` on suspend, DELETE, and group push with both
//! member-removal forms. JumpCloud's User-Agent and Accept headers are not
//! documented, so none are sent.

use lanyard_testkit::{Scim, TestServer, json, patch_op};

use crate::lifecycle::{
    Idp, SYNC_USERS, counters, enc, error, group, group_ids, list, member_ids, queue, seat, seat_invariant, sorted, sync, user,
};

const SLUG: &str = "jc";

fn jumpcloud(scim: Scim) -> Idp {
    Idp::new(scim, &[], "application/scim+json")
}

fn lookup(user_name: &str) -> String {
    format!("/Users?filter={}", enc(&format!("userName eq \"{user_name}\""), false))
}

fn group_lookup(name: &str) -> String {
    format!("/Groups?filter={}", enc(&format!("displayName eq \"{name}\""), false))
}

/// JumpCloud's create: its username as `userName`, the email as the one
/// primary work email, no `externalId`, no extension schemas.
fn body(user_name: &str, email: &str, given: &str, family: &str) -> serde_json::Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "displayName": format!("{given} {family}"),
        "emails": [{"value": email, "type": "work", "primary": true}],
        "active": true
    })
}

fn set_active(active: bool) -> serde_json::Value {
    patch_op(json!([{"op": "replace", "path": "active", "value": active}]))
}

#[tokio::test]
async fn jumpcloud_test_connection_then_activation_twice_with_the_same_test_email() {
    let s = TestServer::start().await;
    let idp = jumpcloud(s.tenant_with_seats(SLUG, Some(1)).await);
    // Test Connection reads a list of users.
    assert!(list(&idp.get("/Users").await, 0).is_empty());

    let email = "jc.test.user@example.com";
    let mut seen = Vec::new();
    for round in 0..2 {
        // The test user: lookup, create, update.
        assert!(list(&idp.get(&lookup(email)).await, 0).is_empty(), "round {round}: the test user of the last run is gone");
        let res = idp.post("/Users", &body(email, email, "Test", "User")).await;
        let uid = user(&res, 201);
        assert_eq!(seat(&res.body), "assigned");
        assert_eq!(counters(&s, SLUG).await, (1, 0));
        let etag = res.header("etag").unwrap().to_string();
        let res = idp
            .patch(
                &format!("/Users/{uid}"),
                &patch_op(json!([
                    {"op": "replace", "path": "name.givenName", "value": "Tested"},
                    {"op": "replace", "path": "name.familyName", "value": "Person"},
                    {"op": "replace", "path": "displayName", "value": "Tested Person"}
                ])),
            )
            .await;
        user(&res, 200);
        assert_eq!(res.body["name"], json!({"givenName": "Tested", "familyName": "Person"}));
        assert_eq!(res.body["emails"][0]["value"], email);
        assert_eq!(seat(&res.body), "assigned", "an update keeps the seat");
        assert_ne!(res.header("etag"), Some(etag.as_str()));

        // The test group (group management enabled): never created empty.
        assert!(list(&idp.get(&group_lookup("JumpCloud Test Group")).await, 0).is_empty());
        let res = idp
            .post(
                "/Groups",
                &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "JumpCloud Test Group", "members": [{"value": uid}]}),
            )
            .await;
        let gid = group(&res, 201);
        assert_eq!(member_ids(&res.body), vec![uid.clone()]);
        idp.patch(
            &format!("/Groups/{gid}"),
            &patch_op(json!([{"op": "replace", "path": "displayName", "value": "JumpCloud Test Group 2"}])),
        )
        .await
        .expect(204);
        let got = idp.get(&format!("/Groups/{gid}")).await;
        assert_eq!(got.body["displayName"], "JumpCloud Test Group 2");
        assert_eq!(member_ids(&got.body), vec![uid.clone()]);
        assert_eq!(idp.get(&format!("/Users/{uid}")).await.body["groups"][0]["display"], "JumpCloud Test Group 2");
        idp.delete(&format!("/Groups/{gid}")).await.expect(204);
        error(&idp.get(&format!("/Groups/{gid}")).await, 404, None);

        // Clean-up: the test user is deleted, its seat freed.
        idp.delete(&format!("/Users/{uid}")).await.expect(204);
        error(&idp.get(&format!("/Users/{uid}")).await, 404, None);
        assert_eq!(counters(&s, SLUG).await, (0, 0));
        seen.push((uid, gid));
    }
    assert_ne!(seen[0], seen[1], "a re-run creates new resources");
    assert!(list(&idp.get("/Users").await, 0).is_empty());
    assert!(list(&idp.get("/Groups").await, 0).is_empty());
}

#[tokio::test]
async fn jumpcloud_initial_sync_updates_suspend_reactivate_and_delete_with_seats() {
    let s = TestServer::start().await;
    let limit = SYNC_USERS as i64 - 5;
    let idp = jumpcloud(s.tenant_with_seats(SLUG, Some(limit)).await);
    let name = |i: usize| format!("jc.user{i:04}");
    let ids = sync(&idp, SYNC_USERS, move |i| {
        let u = name(i);
        (lookup(&u), body(&u, &format!("{u}@example.com"), "User", &format!("N{i}")))
    })
    .await;
    assert_eq!(counters(&s, SLUG).await, (limit, 5));
    seat_invariant(&s, SLUG, &idp).await;
    // Test Connection after the sync: the first page of all users.
    assert_eq!(list(&idp.get("/Users").await, SYNC_USERS as u64).len(), 100);

    // Attribute updates: lookup (user_lookup_provision), then one replace per attribute.
    let waiting = queue(&s, SLUG).await;
    assert_eq!(waiting.len(), 5);
    let seated: Vec<String> = ids.iter().filter(|id| !waiting.contains(id)).cloned().collect();
    for id in [&seated[0], &waiting[0]] {
        let i = ids.iter().position(|x| x == id).unwrap();
        let found = list(&idp.get(&lookup(&name(i))).await, 1);
        assert_eq!(found[0]["id"], id.as_str());
        let res = idp
            .patch(
                &format!("/Users/{id}"),
                &patch_op(json!([
                    {"op": "replace", "path": "name.familyName", "value": "Renamed"},
                    {"op": "replace", "path": "displayName", "value": "User Renamed"},
                    {"op": "replace", "path": "emails[type eq \"work\"].value", "value": format!("new.{}@example.com", name(i))},
                    {"op": "replace", "path": "active", "value": true}
                ])),
            )
            .await;
        user(&res, 200);
        assert_eq!(res.body["name"]["familyName"], "Renamed");
        assert_eq!(res.body["emails"], json!([{"value": format!("new.{}@example.com", name(i)), "type": "work", "primary": true}]));
        let by_email = format!("/Users?filter={}", enc(&format!("emails.value eq \"new.{}@example.com\"", name(i)), false));
        assert_eq!(list(&idp.get(&by_email).await, 1)[0]["id"], id.as_str());
    }
    assert_eq!(queue(&s, SLUG).await, waiting, "updates of active users move no seat");
    assert_eq!(counters(&s, SLUG).await, (limit, 5));

    // Suspend three seated users: the three oldest in the queue are seated.
    for (k, id) in seated[..3].iter().enumerate() {
        let res = idp.patch(&format!("/Users/{id}"), &set_active(false)).await;
        user(&res, 200);
        assert_eq!((res.body["active"].clone(), seat(&res.body)), (json!(false), "none".to_string()));
        assert_eq!(seat(&idp.get(&format!("/Users/{}", waiting[k])).await.body), "assigned");
    }
    assert_eq!(counters(&s, SLUG).await, (limit, 2));
    assert_eq!(queue(&s, SLUG).await, waiting[3..]);
    // A suspended user is still found by its lookup.
    let i0 = ids.iter().position(|x| *x == seated[0]).unwrap();
    assert_eq!(list(&idp.get(&lookup(&name(i0))).await, 1)[0]["active"], false);

    // Re-activation queues behind the users already waiting.
    let res = idp.patch(&format!("/Users/{}", seated[0]), &set_active(true)).await;
    user(&res, 200);
    assert_eq!(seat(&res.body), "pending");
    assert_eq!(queue(&s, SLUG).await, [waiting[3].clone(), waiting[4].clone(), seated[0].clone()]);

    // DELETE of a seated user seats the oldest waiting one.
    idp.delete(&format!("/Users/{}", seated[10])).await.expect(204);
    error(&idp.get(&format!("/Users/{}", seated[10])).await, 404, None);
    assert_eq!(seat(&idp.get(&format!("/Users/{}", waiting[3])).await.body), "assigned");
    // DELETE of a waiting user and of a suspended one frees no seat.
    idp.delete(&format!("/Users/{}", waiting[4])).await.expect(204);
    idp.delete(&format!("/Users/{}", seated[1])).await.expect(204);
    assert_eq!(queue(&s, SLUG).await, [seated[0].clone()]);
    assert_eq!(seat_invariant(&s, SLUG, &idp).await, (limit, 1));
    assert_eq!(list(&idp.get("/Users?count=1").await, SYNC_USERS as u64 - 3).len(), 1);

    // A deleted user assigned again is created anew (lookup finds nothing).
    let i = ids.iter().position(|x| *x == seated[10]).unwrap();
    assert!(list(&idp.get(&lookup(&name(i))).await, 0).is_empty());
    let res = idp.post("/Users", &body(&name(i), &format!("{}@example.com", name(i)), "Back", "Again")).await;
    let back = user(&res, 201);
    assert_ne!(back, seated[10]);
    assert_eq!(seat(&res.body), "pending");
    assert_eq!(seat_invariant(&s, SLUG, &idp).await, (limit, 2));
}

#[tokio::test]
async fn jumpcloud_group_push_takes_over_adds_removes_renames_and_deletes() {
    let s = TestServer::start().await;
    let idp = jumpcloud(s.tenant(SLUG).await);
    let u = sync(&idp, 4, |i| {
        let n = format!("member{i}");
        (lookup(&n), body(&n, &format!("{n}@example.com"), "Member", &i.to_string()))
    })
    .await;
    // An SP group of the same name exists already: JumpCloud takes it over.
    let existing = idp.scim.create_group("Engineering", &[&u[0]]).await;
    let found = list(&idp.get(&group_lookup("Engineering")).await, 1);
    assert_eq!(found[0]["id"], existing.as_str());
    let eng = format!("/Groups/{existing}");
    idp.patch(&eng, &patch_op(json!([{"op": "add", "path": "members", "value": [{"value": u[1]}, {"value": u[2]}]}]))).await.expect(204);
    assert_eq!(member_ids(&idp.get(&eng).await.body), sorted(&[&u[0], &u[1], &u[2]]));

    // A new group is created with its members.
    assert!(list(&idp.get(&group_lookup("Sales")).await, 0).is_empty());
    let res = idp
        .post("/Groups", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales", "members": [{"value": u[2]}, {"value": u[3]}]}))
        .await;
    let sales = group(&res, 201);
    assert_eq!(member_ids(&res.body), sorted(&[&u[2], &u[3]]));

    // Removal in both reported forms; each removes only the named member.
    idp.patch(&eng, &patch_op(json!([{"op": "remove", "path": "members", "value": [{"value": u[1]}]}]))).await.expect(204);
    assert_eq!(member_ids(&idp.get(&eng).await.body), sorted(&[&u[0], &u[2]]));
    idp.patch(&eng, &patch_op(json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", u[0])}]))).await.expect(204);
    assert_eq!(member_ids(&idp.get(&eng).await.body), [u[2].clone()]);
    // A re-sent add of a member is harmless.
    idp.patch(&eng, &patch_op(json!([{"op": "add", "path": "members", "value": [{"value": u[2]}]}]))).await.expect(204);
    assert_eq!(member_ids(&idp.get(&eng).await.body), [u[2].clone()]);
    assert_eq!(group_ids(&idp.get(&format!("/Users/{}", u[2])).await.body), sorted(&[&existing, &sales]));

    // Rename: the new name is found, the old one not; a taken name is 409.
    idp.patch(&eng, &patch_op(json!([{"op": "replace", "path": "displayName", "value": "Engineering Team"}]))).await.expect(204);
    assert_eq!(list(&idp.get(&group_lookup("Engineering Team")).await, 1)[0]["id"], existing.as_str());
    assert!(list(&idp.get(&group_lookup("Engineering")).await, 0).is_empty());
    let groups = idp.get(&format!("/Users/{}", u[2])).await.body["groups"].clone();
    assert!(groups.as_array().unwrap().iter().any(|g| g["display"] == "Engineering Team"), "{groups}");
    error(&idp.patch(&eng, &patch_op(json!([{"op": "replace", "path": "displayName", "value": "sales"}]))).await, 409, Some("uniqueness"));

    // Group deleted in JumpCloud: deleted here; its members stay.
    idp.delete(&format!("/Groups/{sales}")).await.expect(204);
    error(&idp.get(&format!("/Groups/{sales}")).await, 404, None);
    assert!(group_ids(&idp.get(&format!("/Users/{}", u[3])).await.body).is_empty());
    idp.patch(&eng, &patch_op(json!([{"op": "remove", "path": "members", "value": [{"value": u[2]}]}]))).await.expect(204);
    assert!(idp.get(&eng).await.body.get("members").is_none());
    assert_eq!(list(&idp.get("/Users").await, 4).len(), 4);
}
