//! Microsoft Entra ID's provisioning sequence (IDP-CLIENTS.md §3): no
//! User-Agent, `+` for spaces in queries, Test Connection with a random
//! user and group, provision on demand, the initial cycle (lookup before
//! each create), PATCH updates with capitalised ops and string booleans
//! (and the `aadOptscim062020` shapes), soft delete (`active` "False"),
//! hard delete, groups created empty with value-list member changes, and
//! retried creates racing each other.

use lanyard_testkit::{Scim, TestServer, json, patch_op};
use serde_json::Value;

use crate::lifecycle::{
    ENTERPRISE, Idp, SEAT_EXT, SYNC_USERS, counters, enc, error, group, group_ids, list, member_ids, queue, seat, seat_invariant, sorted,
    sync, user,
};

const SLUG: &str = "entra";
const ADSCIM: &str = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

fn entra(scim: Scim) -> Idp {
    Idp::new(scim, &[], "application/scim+json")
}

fn filter(path: &str, f: &str) -> String {
    format!("{path}?filter={}", enc(f, true))
}

fn lookup(upn: &str) -> String {
    filter("/Users", &format!("userName eq \"{upn}\""))
}

fn group_lookup(name: &str) -> String {
    format!("/Groups?excludedAttributes=members&filter={}", enc(&format!("displayName eq \"{name}\""), true))
}

/// Entra's create: core + enterprise schemas, the UPN as `userName`,
/// mailNickname as `externalId`, `meta`, `name.formatted`, `roles: []`.
fn body(upn: &str, nickname: &str, given: &str, family: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "externalId": nickname,
        "userName": upn,
        "active": true,
        "displayName": format!("{given} {family}"),
        "emails": [{"primary": true, "type": "work", "value": upn}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": format!("{given} {family}"), "familyName": family, "givenName": given},
        "roles": [],
        ENTERPRISE: {"employeeNumber": nickname, "department": "Sales"}
    })
}

/// Without the flag: capitalised op, `active` as a string.
fn set_active(active: bool) -> Value {
    patch_op(json!([{"op": "Replace", "path": "active", "value": if active { "True" } else { "False" }}]))
}

#[tokio::test]
async fn entra_test_connection_then_provision_on_demand_twice_with_the_same_upn() {
    let s = TestServer::start().await;
    let idp = entra(s.tenant_with_seats(SLUG, Some(1)).await);
    // Test Connection: a random user and group; /Schemas when the configuration is saved.
    assert!(list(&idp.get(&lookup("0b9c2a64-3f1e-4f7a-9a55-0d3c7e1f2b8a")).await, 0).is_empty());
    assert!(list(&idp.get(&group_lookup("5e2d6c1b-8a7f-4e3d-b2c1-9f0a1b2c3d4e")).await, 0).is_empty());
    let schemas: Vec<String> = list(&idp.get("/Schemas").await, 4).iter().map(|s| s["id"].as_str().unwrap().to_string()).collect();
    assert!(schemas.iter().any(|s| s == ENTERPRISE) && schemas.iter().any(|s| s == SEAT_EXT), "{schemas:?}");

    let upn = "Test_User_ab6490ee@contoso.onmicrosoft.com";
    let mut ids = Vec::new();
    for _ in 0..2 {
        assert!(list(&idp.get(&lookup(upn)).await, 0).is_empty());
        let res = idp.post("/Users", &body(upn, "testuser", "Test", "User")).await;
        let id = user(&res, 201);
        assert_eq!(res.body["userName"], upn, "userName is returned as sent");
        assert_eq!(res.body[ENTERPRISE]["employeeNumber"], "testuser");
        assert_eq!(seat(&res.body), "assigned");
        // Matched again by userName (case-insensitively), then patched.
        assert_eq!(list(&idp.get(&lookup(&upn.to_lowercase())).await, 1)[0]["id"], id.as_str());
        let res = idp
            .patch(
                &format!("/Users/{id}"),
                &patch_op(json!([
                    {"op": "Replace", "path": "displayName", "value": "Test User Updated"},
                    {"op": "Replace", "path": "name.givenName", "value": "Tested"},
                    {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "26118915-6090-4610-87e4-49d8ca9f808d"}
                ])),
            )
            .await;
        user(&res, 200);
        assert_eq!(res.body["name"]["givenName"], "Tested");
        assert_eq!(res.body[ENTERPRISE]["manager"]["value"], "26118915-6090-4610-87e4-49d8ca9f808d");
        // Soft delete, then hard delete.
        let res = idp.patch(&format!("/Users/{id}"), &set_active(false)).await;
        user(&res, 200);
        assert_eq!((res.body["active"].clone(), seat(&res.body)), (json!(false), "none".into()));
        assert_eq!(list(&idp.get(&lookup(upn)).await, 1)[0]["active"], false, "soft-deleted users are still returned");
        idp.delete(&format!("/Users/{id}")).await.expect(204);
        error(&idp.get(&format!("/Users/{id}")).await, 404, None);
        assert_eq!(counters(&s, SLUG).await, (0, 0));
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1]);
}

#[tokio::test]
async fn entra_initial_cycle_patch_updates_soft_and_hard_delete_with_seats() {
    let s = TestServer::start().await;
    let limit = SYNC_USERS as i64 - 5;
    let idp = entra(s.tenant_with_seats(SLUG, Some(limit)).await);
    let upn = |i: usize| format!("user{i:04}@contoso.com");
    let ids =
        sync(&idp, SYNC_USERS, move |i| (lookup(&upn(i)), body(&upn(i), &format!("user{i:04}"), "Given", &format!("Family{i}")))).await;
    assert_eq!(seat_invariant(&s, SLUG, &idp).await, (limit, 5));
    // Other matching attributes: externalId unquoted, the work email.
    assert_eq!(list(&idp.get(&filter("/Users", "externalId eq user0007")).await, 1)[0]["id"], ids[7].as_str());
    let by_mail = filter("/Users", "emails[type eq \"work\"].value eq \"user0008@contoso.com\"");
    assert_eq!(list(&idp.get(&by_mail).await, 1)[0]["id"], ids[8].as_str());
    assert_eq!(list(&idp.get("/Users?startIndex=1&count=50").await, SYNC_USERS as u64).len(), 50);

    let waiting = queue(&s, SLUG).await;
    let seated: Vec<String> = ids.iter().filter(|id| !waiting.contains(id)).cloned().collect();
    let index = |id: &String| ids.iter().position(|x| x == id).unwrap();

    // Incremental cycle, default shapes: per-attribute capitalised ops.
    let id = &seated[0];
    let i = index(id);
    assert_eq!(list(&idp.get(&lookup(&upn(i))).await, 1)[0]["id"], id.as_str());
    let res = idp
        .patch(
            &format!("/Users/{id}"),
            &patch_op(json!([
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": format!("renamed{i}@contoso.com")},
                {"op": "Replace", "path": "name.familyName", "value": "Changed"},
                {"op": "Replace", "path": "externalId", "value": format!("nick{i}")},
                {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "E1"},
                {"op": "Add", "path": "title", "value": "Manager"}
            ])),
        )
        .await;
    user(&res, 200);
    assert_eq!(res.body["emails"], json!([{"primary": true, "type": "work", "value": format!("renamed{i}@contoso.com")}]));
    assert_eq!((res.body["name"]["familyName"].as_str(), res.body["title"].as_str()), (Some("Changed"), Some("Manager")));
    assert_eq!(res.body[ENTERPRISE], json!({"employeeNumber": "E1", "department": "Sales"}));
    assert_eq!(list(&idp.get(&filter("/Users", &format!("externalId eq \"nick{i}\""))).await, 1)[0]["id"], id.as_str());
    // The manager is added, then removed when it is cleared in Entra.
    let manager =
        patch_op(json!([{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": seated[5]}]));
    let res = idp.patch(&format!("/Users/{id}"), &manager).await;
    assert_eq!(res.body[ENTERPRISE]["manager"]["value"], seated[5].as_str());
    let res = idp
        .patch(
            &format!("/Users/{id}"),
            &patch_op(json!([{"op": "Remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}])),
        )
        .await;
    user(&res, 200);
    assert_eq!(res.body[ENTERPRISE], json!({"employeeNumber": "E1", "department": "Sales"}));
    // With aadOptscim062020: one path-less replace with dotted keys.
    let res = idp
        .patch(
            &format!("/Users/{}", seated[1]),
            &patch_op(json!([{"op": "replace", "value": {"name.givenName": "Dotted", "displayName": "Dotted Name", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "HR"}}])),
        )
        .await;
    user(&res, 200);
    assert_eq!((res.body["name"]["givenName"].as_str(), res.body[ENTERPRISE]["department"].as_str()), (Some("Dotted"), Some("HR")));
    assert_eq!(seat(&res.body), "assigned");

    // Soft delete / disable: "False" frees seats for the oldest waiting users.
    for (k, id) in seated[..2].iter().enumerate() {
        let res = idp.patch(&format!("/Users/{id}"), &set_active(false)).await;
        user(&res, 200);
        assert_eq!((res.body["active"].clone(), seat(&res.body)), (json!(false), "none".into()));
        assert_eq!(seat(&idp.get(&format!("/Users/{}", waiting[k])).await.body), "assigned");
    }
    // With the flag: boolean `active` in a path-less lower-case replace.
    let res = idp.patch(&format!("/Users/{}", seated[2]), &patch_op(json!([{"op": "replace", "value": {"active": false}}]))).await;
    assert_eq!(seat(&res.body), "none");
    assert_eq!(queue(&s, SLUG).await, waiting[3..]);
    assert_eq!(seat_invariant(&s, SLUG, &idp).await, (limit, 2));
    // Disabled users are still returned by the matching filter.
    assert_eq!(list(&idp.get(&lookup(&upn(index(&seated[2])))).await, 1)[0]["active"], false);
    // Re-enable: "True" queues.
    let res = idp.patch(&format!("/Users/{}", seated[0]), &set_active(true)).await;
    assert_eq!((res.body["active"].clone(), seat(&res.body)), (json!(true), "pending".into()));
    assert_eq!(queue(&s, SLUG).await, [waiting[3].clone(), waiting[4].clone(), seated[0].clone()]);

    // Hard delete (30 days after the soft delete) frees nothing more; hard
    // delete of a seated user seats the head of the queue.
    idp.delete(&format!("/Users/{}", seated[1])).await.expect(204);
    assert_eq!(seat_invariant(&s, SLUG, &idp).await, (limit, 3));
    idp.delete(&format!("/Users/{}", seated[20])).await.expect(204);
    assert_eq!(seat(&idp.get(&format!("/Users/{}", waiting[3])).await.body), "assigned");
    assert!(list(&idp.get(&lookup(&upn(index(&seated[20])))).await, 0).is_empty());
    assert_eq!(seat_invariant(&s, SLUG, &idp).await, (limit, 2));
    assert_eq!(list(&idp.get("/Users?count=1").await, SYNC_USERS as u64 - 2).len(), 1);
}

#[tokio::test]
async fn entra_groups_created_empty_member_value_lists_rename_and_delete() {
    let s = TestServer::start().await;
    let idp = entra(s.tenant(SLUG).await);
    let upn = |i: usize| format!("member{i}@contoso.com");
    let u = sync(&idp, 3, move |i| (lookup(&upn(i)), body(&upn(i), &format!("member{i}"), "Member", &i.to_string()))).await;

    assert!(list(&idp.get(&group_lookup("Group1DisplayName")).await, 0).is_empty());
    let res = idp
        .post(
            "/Groups",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", ADSCIM], "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
                    "displayName": "Group1DisplayName", "meta": {"resourceType": "Group"}}),
        )
        .await;
    let g = group(&res, 201);
    assert!(res.body.get("members").is_none());
    let path = format!("/Groups/{g}");
    let got = idp.get(&format!("{path}?excludedAttributes=members")).await;
    assert_eq!(group(&got, 200), g);
    let found = list(&idp.get(&group_lookup("Group1DisplayName")).await, 1);
    assert_eq!(found[0]["id"], g.as_str());
    assert!(found[0].get("members").is_none());

    let add = |ids: &[&String]| {
        patch_op(
            json!([{"op": "Add", "path": "members", "value": ids.iter().map(|id| json!({"$ref": null, "value": id})).collect::<Vec<_>>()}]),
        )
    };
    let res = idp.patch(&path, &add(&[&u[0], &u[1], &u[2]])).await;
    res.expect(204);
    assert!(res.text.is_empty());
    // Membership check.
    let check = |user: &String| filter("/Groups", &format!("id eq \"{g}\" and members eq \"{user}\"")) + "&excludedAttributes=members";
    assert_eq!(list(&idp.get(&check(&u[1])).await, 1)[0]["id"], g.as_str());
    // Default removal: a value list, then Entra re-adds the remaining members.
    idp.patch(&path, &patch_op(json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": u[1]}]}]))).await.expect(204);
    idp.patch(&path, &add(&[&u[0], &u[2]])).await.expect(204);
    assert!(list(&idp.get(&check(&u[1])).await, 0).is_empty());
    assert_eq!(member_ids(&idp.get(&path).await.body), sorted(&[&u[0], &u[2]]));
    // With the flag: filtered removal.
    idp.patch(&path, &patch_op(json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", u[0])}]))).await.expect(204);
    assert_eq!(member_ids(&idp.get(&path).await.body), [u[2].clone()]);
    assert_eq!(group_ids(&idp.get(&format!("/Users/{}", u[0])).await.body), Vec::<String>::new());
    // Rename; the new name is what the lookup matches.
    idp.patch(&path, &patch_op(json!([{"op": "Replace", "path": "displayName", "value": "Group1 Renamed"}]))).await.expect(204);
    assert_eq!(list(&idp.get(&group_lookup("Group1 Renamed")).await, 1)[0]["externalId"], "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159");
    // An unknown member is the client's mistake, never a 5xx Entra would retry forever.
    error(&idp.patch(&path, &add(&[&"0d0c0b0a-0000-4000-8000-000000000000".to_string()])).await, 400, Some("invalidValue"));
    assert_eq!(member_ids(&idp.get(&path).await.body), [u[2].clone()]);
    idp.delete(&path).await.expect(204);
    error(&idp.get(&path).await, 404, None);
    assert!(group_ids(&idp.get(&format!("/Users/{}", u[2])).await.body).is_empty());
}

/// Entra (and Okta) retry a create whose answer timed out; the retries can
/// overlap the original. quirks.rs races a bare user body without seats; this
/// races Entra's full body on a seat-limited tenant, then its group create,
/// and checks that the losers took no seat and left nothing behind.
#[tokio::test]
async fn entra_retried_creates_race_to_one_201_and_409s_that_take_no_seat() {
    let s = TestServer::start().await;
    let idp = entra(s.tenant_with_seats(SLUG, Some(2)).await);
    let upn = "retry.user@contoso.com";
    let user_body = body(upn, "retry", "Retry", "User");
    let group_body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", ADSCIM], "externalId": "g-retry", "displayName": "Retried Group"});
    for (path, body) in [("/Users", user_body), ("/Groups", group_body)] {
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let (idp, body) = (idp.clone(), body.clone());
                tokio::spawn(async move { idp.post(path, &body).await })
            })
            .collect();
        let mut created = Vec::new();
        for t in tasks {
            let res = t.await.unwrap();
            match res.status.as_u16() {
                201 => created.push(res.body["id"].as_str().unwrap().to_string()),
                _ => error(&res, 409, Some("uniqueness")),
            }
        }
        assert_eq!(created.len(), 1, "{path}: exactly one create wins");
        let all = list(&idp.get(path).await, 1);
        assert_eq!(all[0]["id"], created[0].as_str());
    }
    let winner = list(&idp.get(&lookup(upn)).await, 1);
    assert_eq!(seat(&winner[0]), "assigned");
    assert_eq!(seat_invariant(&s, SLUG, &idp).await, (1, 0), "the 409s took no seat");
    // The second seat is still free.
    let res = idp.post("/Users", &body("next@contoso.com", "next", "Next", "User")).await;
    user(&res, 201);
    assert_eq!(seat(&res.body), "assigned");
    assert_eq!(seat_invariant(&s, SLUG, &idp).await, (2, 0));
}
